// The V8 settings of a ksw process (simulator/cli/v8Tuning.ts): the user's
// own flags win, and setting them first (launch.ts) and again from
// the bundle (main.ts) keeps the code cache usable — V8 rejects a cache made
// under other flags, so a flag set only after the cache was read would make
// every later run compile the bundle again.

import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MAX_INLINED_BYTECODE, v8Flags, WASM_TIERING_BUDGET } from '../../simulator/cli/v8Tuning';

const ROOT = path.resolve(__dirname, '../../..');
const CODE_CACHE = path.join(ROOT, 'out/simulator/cli/codeCache.js');
const V8_TUNING = path.join(ROOT, 'out/simulator/cli/v8Tuning.js');
const WASM_INSTANCE = path.join(ROOT, 'out/simulator/cpu/wasmInstance.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-v8tuning-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('each flag is set unless NODE_OPTIONS or a node flag sets it', () => {
  const budget = `--wasm-tiering-budget=${WASM_TIERING_BUDGET}`;
  const all = `--max-inlined-bytecode-size=${MAX_INLINED_BYTECODE} --no-wasm-loop-peeling --no-wasm-loop-unrolling ${budget}`;
  assert.equal(v8Flags({}, []), all);
  assert.equal(v8Flags({ NODE_OPTIONS: '--max-old-space-size=4096' }, ['--enable-source-maps', '--wasm-loop-peeling-max-size=500']), all);
  assert.equal(v8Flags({ NODE_OPTIONS: '--max-inlined-bytecode-size=460' }, []), all.replace(/^\S+ /, ''));
  assert.equal(v8Flags({}, ['--max_inlined_bytecode_size_cumulative=2000', '--wasm-loop-peeling']), `--no-wasm-loop-unrolling ${budget}`);
  assert.equal(v8Flags({}, ['--wasm_tiering_budget=1000']), all.replace(` ${budget}`, ''));
  assert.equal(v8Flags({ NODE_OPTIONS: '--max-inlined-bytecode-size=9 --wasm-loop-unrolling --no-wasm-loop-peeling' }, ['--wasm-tiering-budget=5']), null);
});

/** Three runs of a bundle through the code cache, as launch.ts and main.ts set V8's flags; each run's outcome for the cache. */
function cacheOutcomes(name: string, extra: string): (string | undefined)[] {
  const bundle = path.join(tmp, `${name}.js`), cache = path.join(tmp, `${name}-cache`);
  // as main.ts: the bundle applies the settings again
  fs.writeFileSync(bundle, `require(${JSON.stringify(V8_TUNING)}).tuneV8();\n${extra}` +
    "function f(n) { let s = 0; for (let i = 0; i < n; i++) s += i; return s; }\nrequire('node:fs').writeSync(1, f(10) + '\\n');\n");
  // as launch.ts: the settings first, then the bundle through the cache
  const script = `require(${JSON.stringify(V8_TUNING)}).tuneV8();` +
    `const r = require(${JSON.stringify(CODE_CACHE)}).runBundleWithCodeCache(${JSON.stringify(bundle)}, { slot: 'exec', dir: ${JSON.stringify(cache)} });` +
    "process.stderr.write('outcome ' + r + '\\n');";
  return [1, 2, 3].map(() => {
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    assert.equal(r.stdout, '45\n', r.stderr);
    return /outcome (\w+)/.exec(r.stderr)?.[1];
  });
}

test('set before the code cache is read and again from the bundle, the cache is used on every later run', () => {
  assert.deepEqual(cacheOutcomes('bundle', ''), ['written', 'used', 'used']);
});

test('the wasm tier\'s eager compiles (wasmInstance.ts) set V8\'s flag back: the cache written after one is used on every later run', () => {
  // an empty module made the way the tier makes its modules, before the run ends and the cache is written
  const make = `require(${JSON.stringify(WASM_INSTANCE)}).instantiateWasmWith(Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0), {});\n`;
  assert.deepEqual(cacheOutcomes('tier', make), ['written', 'used', 'used']);
});
