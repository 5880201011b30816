// The V8 code cache bin/ksw loads its bundle through (simulator/cli/codeCache.ts):
// a first run leaves an entry, the next uses it; an entry made from other
// bytes (a rebuilt bundle of the same size), a damaged entry or an
// unwritable cache directory never changes what runs; KSW_NO_CODE_CACHE
// turns it off. Each case runs in a child process, since the entry is
// written as the process exits.

import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cacheEntryPath, contentHash, defaultCacheDir, HashMemory, MAX_ENTRIES, SELF_WRAPPED_HEAD, SELF_WRAPPED_TAIL } from '../../simulator/cli/codeCache';
import { skipUnless } from '../tools';

const ROOT = path.resolve(__dirname, '../../..');
const CODE_CACHE = path.join(ROOT, 'out/simulator/cli/codeCache.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-codecache-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A CommonJS "bundle" that uses what a bundle gets from its wrapper (require, module, __dirname). */
function writeBundle(dir: string, word: string): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'part.js'), 'module.exports = (w) => `bundle says ${w}`;\n');
  const file = path.join(dir, 'bundle.js');
  fs.writeFileSync(file, [
    "const part = require('./part.js');",
    "const fs = require('node:fs');",
    `function greet() { return part('${word}') + ' from ' + require('node:path').basename(__dirname); }`,
    "module.exports.ok = true;",
    "fs.writeSync(1, greet() + (module.exports.ok ? '' : ' (no module)') + '\\n');",
  ].join('\n'));
  return file;
}

interface Outcome { outcome: string; stdout: string; stderr: string; status: number | null }

function runBundle(bundle: string, cacheDir: string, env: NodeJS.ProcessEnv = {}): Outcome {
  const script = `const r = require(${JSON.stringify(CODE_CACHE)}).runBundleWithCodeCache(${JSON.stringify(bundle)}, ` +
    `{ slot: 'exec', dir: ${JSON.stringify(cacheDir)} }); process.stderr.write('outcome ' + r + '\\n');`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });
  const m = /outcome (\w+)/.exec(r.stderr);
  return { outcome: m ? m[1] : '?', stdout: r.stdout, stderr: r.stderr.replace(/outcome \w+\n/, ''), status: r.status };
}

test('a first run writes the entry, the next one uses it; both run the bundle alike', () => {
  const dir = path.join(tmp, 'first'), cache = path.join(dir, 'cache');
  const bundle = writeBundle(path.join(dir, 'dist'), 'hello');
  const first = runBundle(bundle, cache);
  assert.deepEqual(first, { outcome: 'written', stdout: 'bundle says hello from dist\n', stderr: '', status: 0 });
  const entry = cacheEntryPath(cache, bundle, 'exec');
  assert.ok(fs.existsSync(entry), 'entry written at exit');
  assert.deepEqual(fs.readdirSync(cache), [path.basename(entry)], 'no temporary file left');
  const second = runBundle(bundle, cache);
  assert.deepEqual(second, { ...first, outcome: 'used' });
});

test('writing an entry removes the least recently written beyond MAX_ENTRIES, never the new one', () => {
  const dir = path.join(tmp, 'prune'), cache = path.join(dir, 'cache');
  fs.mkdirSync(cache, { recursive: true });
  const old = Array.from({ length: MAX_ENTRIES + 4 }, (_, i) => path.join(cache, `exec-old${String(i).padStart(2, '0')}.bin`));
  old.forEach((f, i) => { fs.writeFileSync(f, 'stale'); fs.utimesSync(f, 1000 + i, 1000 + i); }); // old00 is the oldest
  const unrelated = path.join(cache, 'notes.txt');
  fs.writeFileSync(unrelated, 'not an entry');
  // an entry's companions (a block cache file's list of blocks left out: fewBlocks.ts) go with it
  for (const f of [old[0], old[10]]) fs.writeFileSync(`${f}.few`, 'a block');
  const bundle = writeBundle(path.join(dir, 'dist'), 'prune');
  assert.equal(runBundle(bundle, cache).outcome, 'written');
  const left = fs.readdirSync(cache).filter((n) => n.endsWith('.bin')).sort();
  assert.equal(left.length, MAX_ENTRIES);
  assert.ok(left.includes(path.basename(cacheEntryPath(cache, bundle, 'exec'))), 'the new entry stays');
  assert.deepEqual(left.filter((n) => n.startsWith('exec-old')), old.slice(5).map((f) => path.basename(f)), 'the oldest went');
  assert.ok(fs.existsSync(unrelated), 'other files are left alone');
  assert.deepEqual([fs.existsSync(`${old[0]}.few`), fs.existsSync(`${old[10]}.few`)], [false, true], 'a removed entry\'s companion went, a kept one\'s stays');
});

test('a rebuilt bundle of the same size does not run the old code: a fresh entry replaces the old one', () => {
  const dir = path.join(tmp, 'rebuilt'), cache = path.join(dir, 'cache');
  const bundle = writeBundle(path.join(dir, 'dist'), 'aaaaa');
  assert.equal(runBundle(bundle, cache).outcome, 'written');
  const size = fs.statSync(bundle).size;
  writeBundle(path.join(dir, 'dist'), 'bbbbb');
  assert.equal(fs.statSync(bundle).size, size);
  const r = runBundle(bundle, cache);
  assert.deepEqual(r, { outcome: 'written', stdout: 'bundle says bbbbb from dist\n', stderr: '', status: 0 });
  assert.equal(runBundle(bundle, cache).outcome, 'used');
  assert.equal(fs.readdirSync(cache).length, 1, 'one entry per bundle and command');
});

test('a self-wrapped bundle (dist/ksw.js is one) runs alike through require and through the cache, written then used', () => {
  const dir = path.join(tmp, 'self'), cache = path.join(dir, 'cache');
  const plain = writeBundle(path.join(dir, 'dist'), 'wrapped');
  const bundle = path.join(dir, 'dist', 'self.js');
  // as esbuild writes its banner and footer: each on lines of their own
  fs.writeFileSync(bundle, `${SELF_WRAPPED_HEAD}\n${fs.readFileSync(plain, 'utf8')}\n${SELF_WRAPPED_TAIL}\n//# sourceMappingURL=self.js.map\n`);
  const expected = { stdout: 'bundle says wrapped from dist\n', stderr: '', status: 0 };
  const direct = spawnSync(process.execPath, [bundle], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  assert.deepEqual({ stdout: direct.stdout, stderr: direct.stderr, status: direct.status }, expected);
  assert.deepEqual(runBundle(bundle, cache), { outcome: 'written', ...expected });
  assert.deepEqual(runBundle(bundle, cache), { outcome: 'used', ...expected });
  // the launcher's arguments are there only while the bundle's top level runs
  const leak = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(CODE_CACHE)}).runBundleWithCodeCache(${JSON.stringify(bundle)}, ` +
    `{ slot: 'exec', dir: ${JSON.stringify(cache)} }); process.stderr.write(String(globalThis[Symbol.for('kstackwatch-studio.bundleArgs')]));`], { encoding: 'utf8' });
  assert.equal(leak.stderr, 'undefined');
});

test('dist/ksw.js is self-wrapped, so bin/ksw compiles its text as it is', { skip: fs.existsSync(path.join(ROOT, 'dist/ksw.js')) ? false : 'no dist/ksw.js (npm run build)' }, () => {
  const text = fs.readFileSync(path.join(ROOT, 'dist/ksw.js'), 'latin1');
  assert.ok(text.startsWith(SELF_WRAPPED_HEAD + '\n'), 'starts with the head');
  assert.ok(text.includes(`\n${SELF_WRAPPED_TAIL}\n//# sourceMappingURL=ksw.js.map`), 'ends with the tail');
});

test('bin/ksw: a run whose blocks all come from the block cache never loads dist/iced-x86.js', { skip: skipUnless('musl-gcc') }, () => {
  const dir = path.join(tmp, 'apart'), dist = path.join(dir, 'dist'), exe = path.join(dir, 'hello');
  fs.mkdirSync(dist, { recursive: true });
  for (const f of ['launch.js', 'ksw.js', 'iced-x86.js', 'iced_x86_bg.wasm']) fs.copyFileSync(path.join(ROOT, 'dist', f), path.join(dist, f));
  fs.writeFileSync(path.join(dir, 'hello.c'), '#include <stdio.h>\nint main(void) { printf("apart %d\\n", 42); return 0; }\n');
  const cc = spawnSync('musl-gcc', ['-static', '-O2', '-o', exe, path.join(dir, 'hello.c')], { encoding: 'utf8' });
  assert.equal(cc.status, 0, cc.stderr);
  const env = { PATH: process.env.PATH, XDG_CACHE_HOME: path.join(dir, 'xdg') };
  const run = () => spawnSync(process.execPath, [path.join(dist, 'launch.js'), 'exec', exe], { encoding: 'utf8', env });
  const expected = { status: 0, stdout: 'apart 42\n', stderr: '' };
  for (const r of [run(), run()]) assert.deepEqual({ status: r.status, stdout: r.stdout, stderr: r.stderr }, expected); // decodes, then stores V8's code cache too
  // iced-x86.js through a code cache entry of its own: written by the run that decoded, then used (not written again)
  const v8Dir = path.join(dir, 'xdg', 'kstackwatch-studio', 'v8'), icedEntry = cacheEntryPath(v8Dir, path.join(dist, 'iced-x86.js'), 'exec');
  const written = fs.statSync(icedEntry).mtimeMs;
  const copy = path.join(dir, 'hello-copy');
  fs.copyFileSync(exe, copy); // a program never run: it decodes
  const again = spawnSync(process.execPath, [path.join(dist, 'launch.js'), 'exec', copy], { encoding: 'utf8', env });
  assert.deepEqual({ status: again.status, stdout: again.stdout, stderr: again.stderr }, expected);
  assert.equal(fs.statSync(icedEntry).mtimeMs, written);
  // without the caches, the bundle requires iced-x86.js itself (a self-wrapped file required from a self-wrapped bundle)
  const plain = spawnSync(process.execPath, [path.join(dist, 'launch.js'), 'exec', copy], { encoding: 'utf8', env: { ...env, KSW_NO_CODE_CACHE: '1' } });
  assert.deepEqual({ status: plain.status, stdout: plain.stdout, stderr: plain.stderr }, expected);
  fs.rmSync(path.join(dist, 'iced-x86.js'));
  fs.rmSync(path.join(dist, 'iced_x86_bg.wasm'));
  const warm = run();
  assert.deepEqual({ status: warm.status, stdout: warm.stdout, stderr: warm.stderr }, expected);
});

test('bin/ksw: a warm run detaches no ArrayBuffer (V8 keeps typed-array accesses unchecked for detached buffers)', { skip: skipUnless('musl-gcc') }, () => {
  // The launcher and the block cache read files into wasm memory made at its full size, not grown:
  // growing detaches the old buffer, and from a process's first detach on V8's optimised code checks
  // every typed-array access (its ArrayBufferDetaching protector, traced by the flag)
  const dir = path.join(tmp, 'detach'), exe = path.join(dir, 'hello');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'hello.c'), '#include <stdio.h>\nint main(void) { printf("kept %d\\n", 7); return 0; }\n');
  const cc = spawnSync('musl-gcc', ['-static', '-O2', '-o', exe, path.join(dir, 'hello.c')], { encoding: 'utf8' });
  assert.equal(cc.status, 0, cc.stderr);
  const env = { PATH: process.env.PATH, XDG_CACHE_HOME: path.join(dir, 'xdg') };
  const run = () => spawnSync(process.execPath, ['--trace-protector-invalidation', path.join(ROOT, 'bin/ksw'), 'exec', exe], { encoding: 'utf8', env });
  const cold = run(); // decodes (iced-x86's allocator grows its memory) and writes the caches
  assert.equal(cold.status, 0, cold.stderr);
  assert.match(cold.stdout, /kept 7\n/);
  run(); // (the code caches settle)
  const warm = run();
  assert.equal(warm.status, 0, warm.stderr);
  assert.match(warm.stdout, /kept 7\n/);
  assert.doesNotMatch(warm.stdout, /ArrayBufferDetaching/);
});

test('a damaged entry is ignored and rewritten', () => {
  const dir = path.join(tmp, 'damaged'), cache = path.join(dir, 'cache');
  const bundle = writeBundle(path.join(dir, 'dist'), 'hello');
  runBundle(bundle, cache);
  const entry = cacheEntryPath(cache, bundle, 'exec');
  const bytes = fs.readFileSync(entry);
  for (const broken of [bytes.subarray(0, 10), bytes.subarray(0, bytes.length - 7), Buffer.concat([bytes, Buffer.from('junk')])]) {
    fs.writeFileSync(entry, broken);
    assert.deepEqual(runBundle(bundle, cache), { outcome: 'written', stdout: 'bundle says hello from dist\n', stderr: '', status: 0 });
  }
  // the header or the cached data damaged: the lengths and hashes catch it (V8 would not)
  const good = fs.readFileSync(entry);
  assert.ok(good.length > 300);
  for (const at of [8, 13, 17, 21, 25, 29, 32, 100, good.length - 1]) {
    const damaged = Buffer.from(good);
    damaged[at] ^= 0x24;
    fs.writeFileSync(entry, damaged);
    assert.deepEqual(runBundle(bundle, cache), { outcome: 'written', stdout: 'bundle says hello from dist\n', stderr: '', status: 0 });
  }
  assert.equal(runBundle(bundle, cache).outcome, 'used');
});

test('an unwritable cache directory or KSW_NO_CODE_CACHE: the bundle runs, silently without a cache', () => {
  const dir = path.join(tmp, 'unwritable');
  const bundle = writeBundle(path.join(dir, 'dist'), 'hello');
  const blocked = path.join(dir, 'not-a-dir');
  fs.writeFileSync(blocked, '');
  assert.deepEqual(runBundle(bundle, path.join(blocked, 'v8')), { outcome: 'written', stdout: 'bundle says hello from dist\n', stderr: '', status: 0 });
  const cache = path.join(dir, 'cache');
  assert.deepEqual(runBundle(bundle, cache, { KSW_NO_CODE_CACHE: '1' }), { outcome: 'disabled', stdout: 'bundle says hello from dist\n', stderr: '', status: 0 });
  assert.ok(!fs.existsSync(cache));
});

test('the content hash (wasm) is the two-lane multiply-rotate hash it documents, over zero-padded words', () => {
  const M = (x: bigint) => BigInt.asUintN(64, x);
  const rotl = (x: bigint, r: bigint) => M((x << r) | (x >> (64n - r)));
  const K1 = 0x9e3779b97f4a7c15n, K2 = 0xc2b2ae3d27d4eb4fn;
  const reference = (data: Uint8Array): [number, number] => {
    const padded = new Uint8Array((data.length + 15) & ~15);
    padded.set(data);
    const words = new DataView(padded.buffer);
    let a = 0x243f6a8885a308d3n, b = 0x13198a2e03707344n;
    for (let i = 0; i < padded.length; i += 16) {
      a = rotl(M((a ^ words.getBigUint64(i, true)) * K1), 29n);
      b = rotl(M((b ^ words.getBigUint64(i + 8, true)) * K2), 31n);
    }
    a = M((a ^ rotl(b, 32n)) * K1);
    a ^= a >> 32n;
    return [Number(a & 0xffffffffn), Number(a >> 32n)];
  };
  const big = new Uint8Array(300_001);
  for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
  for (const data of [new Uint8Array(0), Uint8Array.of(1), Uint8Array.of(1, 2, 3, 4, 5), big]) {
    assert.deepEqual(contentHash(data), reference(data), `${data.length} bytes`);
  }
  for (const at of [0, 123_457, big.length - 1]) {
    const changed = big.slice();
    changed[at] ^= 0x10;
    const [a, b] = contentHash(changed), [c, d] = contentHash(big);
    assert.ok(a !== c && b !== d, `a change at ${at} changes both halves`);
  }
});

test('a HashMemory used again (the block cache reads its file where the bundle was) hashes as a fresh one', () => {
  const m = new HashMemory(1000);
  m.bytes.fill(0xa5);
  const data = Uint8Array.from({ length: 333 }, (_, i) => (i * 37) & 0xff);
  assert.ok(m.reuse(data.length));
  assert.equal(m.bytes.length, data.length);
  m.bytes.set(data);
  assert.deepEqual(m.hash(0, data.length), contentHash(data), 'the bytes after the region read as zeros');
  assert.equal(m.reuse(1 << 20), false, 'too small for a megabyte');
});

test('the default directory follows XDG_CACHE_HOME, else ~/.cache; none without either', () => {
  assert.equal(defaultCacheDir({ XDG_CACHE_HOME: '/x', HOME: '/h' }), path.join('/x', 'kstackwatch-studio', 'v8'));
  assert.equal(defaultCacheDir({ HOME: '/h' }), path.join('/h', '.cache', 'kstackwatch-studio', 'v8'));
  assert.equal(defaultCacheDir({}), null);
});

test('bin/ksw: exec and exec again with the cache made by the first run print the same', { skip: skipUnless('musl-gcc') }, () => {
  const dir = path.join(tmp, 'bin');
  fs.mkdirSync(dir);
  const src = path.join(dir, 'hello.c'), exe = path.join(dir, 'hello');
  fs.writeFileSync(src, '#include <stdio.h>\nint main(int c, char **v) { printf("hello %s %d\\n", v[1], c); return 3; }\n');
  const cc = spawnSync('musl-gcc', ['-static', '-O2', '-o', exe, src], { encoding: 'utf8' });
  assert.equal(cc.status, 0, cc.stderr);
  const env = { PATH: process.env.PATH, XDG_CACHE_HOME: path.join(dir, 'xdg') };
  const run = () => spawnSync(process.execPath, [path.join(ROOT, 'bin/ksw'), 'exec', exe, 'there'], { encoding: 'utf8', env });
  const runs = [run(), run(), run()];
  for (const r of runs) assert.deepEqual({ status: r.status, stdout: r.stdout, stderr: r.stderr }, { status: 3, stdout: 'hello there 2\n', stderr: '' });
  // one entry for the bundle, one for dist/iced-x86.js (the first run decoded)
  const entries = fs.readdirSync(path.join(dir, 'xdg', 'kstackwatch-studio', 'v8')).sort();
  assert.deepEqual(entries.map((n) => path.join(dir, 'xdg', 'kstackwatch-studio', 'v8', n)), [
    cacheEntryPath(path.join(dir, 'xdg', 'kstackwatch-studio', 'v8'), path.join(ROOT, 'dist/ksw.js'), 'exec'),
    cacheEntryPath(path.join(dir, 'xdg', 'kstackwatch-studio', 'v8'), path.join(ROOT, 'dist/iced-x86.js'), 'exec'),
  ].sort());
});
