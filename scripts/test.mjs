// Runs every compiled test file (out/test/**/*.test.js) with node's built-in
// test runner, then the differential suites once more with the wasm tier off
// (below). Node 20 has no glob support in `node --test`, hence this list.
import { readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const filter = process.argv.slice(2);
function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}
let files = find(join(root, 'out/test')).sort();
if (filter.length) files = files.filter((f) => filter.some((x) => f.includes(x)));
if (files.length === 0) {
  // A filter that matches nothing would otherwise run node's default (every test file it finds).
  console.error(`no test file under out/test matches ${filter.join(', ')} (build first: npm run build)`);
  process.exit(2);
}
const run = (list, env) => spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...list], { stdio: 'inherit', env }).status ?? 1;
const status = run(files, process.env);

// The wasm tier is on by default (simulator/memory/wasmBacking.ts): the suites that compare guest
// programs with the host then run again with it off, so the JavaScript tier — where every block
// starts, and what KSW_WASM=0 gives — stays tested on its own. A run with KSW_WASM set is one pass
// as it says (`KSW_WASM=0 node scripts/test.mjs diff …` is the second pass alone). gcc-torture,
// the longest suite, runs once: twice would take CI past its time (KSW_WASM=0 node
// scripts/test.mjs gccTorture runs it with the tier off).
const JS_TIER_AGAIN = ['/out/test/diff/', '/out/test/programs/', '/lazyFlags.test.js', '/cpu-core.test.js'];
const again = process.env.KSW_WASM === undefined ? files.filter((f) => JS_TIER_AGAIN.some((x) => f.includes(x))) : [];
if (again.length === 0) process.exit(status);
console.log(`# again with the wasm tier off (KSW_WASM=0): ${again.length} test files`);
const jsStatus = run(again, { ...process.env, KSW_WASM: '0' });
process.exit(status !== 0 ? status : jsStatus);
