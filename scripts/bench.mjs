// `npm run bench -- [ARGS…]` (after `npm run build`): the three parts of the
// benchmark, in order, each given only the arguments it understands —
// npm appends ARGS to the last command of a script, so chaining the parts
// in package.json handed them all to the last part.
//
//   --parts LIST   comma-separated subset of programs,kstackwatch,sched (default all)
//   --calls N      bench-kstackwatch: calls of the watched function
//   --seeds N      bench-sched: seeds of the narrow race and the hunt
//   anything else  out/bench/run.js, the program table (NAME…, --cpu, --scale N, …)
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PARTS = ['programs', 'kstackwatch', 'sched'];
const USAGE = 'usage: npm run bench -- [--parts programs,kstackwatch,sched] [--calls N] [--seeds N] [NAME…] [out/bench/run.js options]';

function fail(reason) {
  console.error(`bench: ${reason}`);
  console.error(USAGE);
  process.exit(2);
}

const args = { programs: [], kstackwatch: [], sched: [] };
let parts = PARTS;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const value = () => (i + 1 < argv.length ? argv[++i] : fail(`${a} needs a value`));
  if (a === '--parts') {
    parts = value().split(',').filter(Boolean);
    const bad = parts.find((p) => !PARTS.includes(p));
    if (bad !== undefined || parts.length === 0) fail(`--parts takes a list of ${PARTS.join(', ')}${bad ? `, not ${bad}` : ''}`);
  } else if (a === '--calls') args.kstackwatch.push(value());
  else if (a === '--seeds') args.sched.push(value());
  else args.programs.push(a);
}

const SCRIPTS = { programs: 'out/bench/run.js', kstackwatch: 'dist/bench-kstackwatch.js', sched: 'dist/bench-sched.js' };
let first = true;
for (const part of PARTS.filter((p) => parts.includes(p))) {
  if (!first) console.log('');
  first = false;
  const r = spawnSync(process.execPath, [join(root, SCRIPTS[part]), ...args[part]], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
