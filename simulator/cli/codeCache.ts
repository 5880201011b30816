// V8 code cache for the `ksw` bundle: most of a short command's start-up is
// V8 parsing and compiling the 1 MB bundle (the whole file once, then each
// function on its first call). The launcher (launch.ts) loads the bundle
// through a vm.Script with the bytecode a previous run of the same command
// left in the user's cache directory, and after a run without a usable
// cache leaves one for the next.
//
// An entry is used only for the bundle it was made from: it records the
// bundle's length and a 64-bit hash of its bytes (a two-lane
// multiply-rotate hash; any change confined to one 8-byte word always
// changes it), and its file name carries the node version and CPU
// architecture; V8 checks its own version and flags and rejects the data
// otherwise. So a rebuilt bundle, another node or other V8 flags never run
// stale code: they make a fresh entry. V8 does not checksum code caches
// (damaged data can crash it), so the entry carries the same hash of its
// data. The hash is a tiny wasm function, run where the bytes were read
// (node:crypto or node:zlib would cost more to load than the cache saves,
// and each fresh megabyte touched costs page faults). Entries live in
// $XDG_CACHE_HOME/kstackwatch-studio/v8 (default ~/.cache/...), one per
// bundle location and command, overwritten in place (atomic rename), so
// rebuilding never piles files up; writing one removes the least recently
// written beyond MAX_ENTRIES (other checkouts, other node versions). KSW_NO_CODE_CACHE=1 turns it off; any
// I/O problem silently means running without a cache.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import Module = require('node:module');
import { instantiateWasmWith, newMemory } from '../cpu/wasmInstance';

const MAGIC = 'KSWV8CC4';
/** magic; bundle length and hash (2 halves); cached-data length and hash (2 halves) */
const HEADER = MAGIC.length + 24;
/** What the hash takes per step (two 8-byte words): regions start on this boundary, zero-padded to it. */
const STRIDE = 16;
/** Entries kept in the directory: a few installs × commands × node versions. */
export const MAX_ENTRIES = 16;

/**
 * The 64-bit hash of a region of memory, in wasm so it runs at native speed
 * from its first call (a cold JavaScript loop over a megabyte is an
 * interpreter's loop). Two 64-bit multiply-rotate lanes take alternate
 * little-endian 8-byte words, so one pass over a megabyte costs about as
 * much as reading it (the lanes do not wait on each other); then the lanes
 * are folded into one value:
 *
 *   (module (import "e" "m" (memory 1))
 *     (global $a (mut i64) (i64.const 0x243f6a8885a308d3)) (global $b (mut i64) (i64.const 0x13198a2e03707344))
 *     (func (export "u") (param $end i32) (param $i i32) (local $a i64) (local $b i64)
 *       (local.set $a (global.get $a)) (local.set $b (global.get $b))
 *       (block $done (loop $next
 *         (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
 *         (local.set $a (i64.rotl (i64.mul (i64.xor (local.get $a) (i64.load (local.get $i))) (i64.const K1)) (i64.const 29)))
 *         (local.set $b (i64.rotl (i64.mul (i64.xor (local.get $b) (i64.load offset=8 (local.get $i))) (i64.const K2)) (i64.const 31)))
 *         (local.set $i (i32.add (local.get $i) (i32.const 16)))
 *         (br $next)))
 *       (global.set $a (local.get $a)) (global.set $b (local.get $b)))
 *     (func (export "d") (result i32 i32) (local $a i64)
 *       (local.set $a (i64.mul (i64.xor (global.get $a) (i64.rotl (global.get $b) (i64.const 32))) (i64.const K1)))
 *       (local.set $a (i64.xor (local.get $a) (i64.shr_u (local.get $a) (i64.const 32))))
 *       (i32.wrap_i64 (local.get $a)) (i32.wrap_i64 (i64.shr_u (local.get $a) (i64.const 32))))
 *     (func (export "i") (global.set $a (i64.const 0x243f6a8885a308d3)) (global.set $b (i64.const 0x13198a2e03707344))))
 *
 * with K1 = 0x9e3779b97f4a7c15, K2 = 0xc2b2ae3d27d4eb4f (odd). Each step is
 * a bijection of its lane for a given word and a different word gives a
 * different lane; the fold is a bijection of each lane for the other's
 * value: so any change confined to one 8-byte word always changes the hash.
 * The last step may take up to 15 bytes past `end`: they are zeros (fresh
 * memory, regions placed on STRIDE boundaries); lengths are checked apart.
 * `i` starts a hash, `u` takes a piece of the region (HASH_PIECE at a time,
 * see HashMemory.hash), `d` gives the value: the same as one pass.
 */
const HASH_WASM = Uint8Array.of(
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x0e, 0x03, 0x60, 0x02, 0x7f, 0x7f, 0x00, 0x60, 0x00, 0x02, 0x7f, 0x7f, 0x60, 0x00, 0x00, // types: (i32 i32) -> (), () -> (i32 i32), () -> ()
  0x02, 0x08, 0x01, 0x01, 0x65, 0x01, 0x6d, 0x02, 0x00, 0x01, // imports: memory e.m, at least 1 page
  0x03, 0x04, 0x03, 0x00, 0x01, 0x02, // functions u, d, i of types 0, 1, 2
  0x06, 0x1b, 0x02, // globals: 2 × mutable i64 ($a, $b) = the seeds
  0x7e, 0x01, 0x42, 0xd3, 0x91, 0x8c, 0xad, 0x88, 0xd1, 0xda, 0x9f, 0x24, 0x0b,
  0x7e, 0x01, 0x42, 0xc4, 0xe6, 0xc1, 0x9b, 0xe0, 0xc5, 0xe2, 0x8c, 0x13, 0x0b,
  0x07, 0x0d, 0x03, 0x01, 0x75, 0x00, 0x00, 0x01, 0x64, 0x00, 0x01, 0x01, 0x69, 0x00, 0x02, // exports "u", "d", "i"
  0x0a, 0xa6, 0x01, 0x03, // code: three bodies
  0x5b, 0x01, 0x02, 0x7e, // u: locals 2 × i64 ($a, $b)
  0x23, 0x00, 0x21, 0x02, 0x23, 0x01, 0x21, 0x03, // a = $a; b = $b
  0x02, 0x40, 0x03, 0x40, // block, loop
  0x20, 0x01, 0x20, 0x00, 0x4f, 0x0d, 0x01, // br_if done (i >= end)
  0x20, 0x02, 0x20, 0x01, 0x29, 0x03, 0x00, 0x85, 0x42, 0x95, 0xf8, 0xa9, 0xfa, 0x97, 0xb7, 0xde, 0x9b, 0x9e, 0x7f, 0x7e, 0x42, 0x1d, 0x89, 0x21, 0x02, // a = rotl((a ^ load64(i)) * K1, 29)
  0x20, 0x03, 0x20, 0x01, 0x29, 0x03, 0x08, 0x85, 0x42, 0xcf, 0xd6, 0xd3, 0xbe, 0xd2, 0xc7, 0xab, 0xd9, 0x42, 0x7e, 0x42, 0x1f, 0x89, 0x21, 0x03, // b = rotl((b ^ load64(i + 8)) * K2, 31)
  0x20, 0x01, 0x41, 0x10, 0x6a, 0x21, 0x01, // i += 16
  0x0c, 0x00, 0x0b, 0x0b, // br next; end loop; end block
  0x20, 0x02, 0x24, 0x00, 0x20, 0x03, 0x24, 0x01, 0x0b, // $a = a; $b = b; end
  0x2d, 0x01, 0x01, 0x7e, // d: local 1 × i64 (a)
  0x23, 0x00, 0x23, 0x01, 0x42, 0x20, 0x89, 0x85, 0x42, 0x95, 0xf8, 0xa9, 0xfa, 0x97, 0xb7, 0xde, 0x9b, 0x9e, 0x7f, 0x7e, 0x21, 0x00, // a = ($a ^ rotl($b, 32)) * K1
  0x20, 0x00, 0x20, 0x00, 0x42, 0x20, 0x88, 0x85, 0x21, 0x00, // a ^= a >>> 32
  0x20, 0x00, 0xa7, 0x20, 0x00, 0x42, 0x20, 0x88, 0xa7, 0x0b, // the low and high halves of a; end
  0x1a, 0x00, // i: no locals
  0x42, 0xd3, 0x91, 0x8c, 0xad, 0x88, 0xd1, 0xda, 0x9f, 0x24, 0x24, 0x00, // $a = seed
  0x42, 0xc4, 0xe6, 0xc1, 0x9b, 0xe0, 0xc5, 0xe2, 0x8c, 0x13, 0x24, 0x01, 0x0b, // $b = seed; end
);

/**
 * Bytes `u` hashes per call (a multiple of STRIDE). V8 runs a wasm function
 * first as Liftoff's baseline code and swaps in TurboFan's at a later call
 * once the function is hot: one call over a big file ran Liftoff's loop to
 * the end — Lua's 29 MB block cache took 19-50 ms; in pieces the later ones
 * run the optimised loop (5-10 ms; 3 ms once optimised).
 */
const HASH_PIECE = 256 << 10;

/**
 * Fresh wasm memory of at least `size` bytes, and the 64-bit hash of a
 * region of it: files are read into it and written from it, so the bytes
 * are hashed where they are (each fresh megabyte touched costs page faults).
 */
export class HashMemory {
  bytes: Uint8Array;
  private readonly fn: { u(end: number, start: number): void; d(): [number, number]; i(): void };

  constructor(size: number) {
    // made at its full size, never grown: growing a memory detaches its old
    // buffer, and V8's optimised code checks every typed-array access for a
    // detached buffer from the first detach in the process on (its
    // ArrayBufferDetaching protector) — the simulator's hottest code is
    // typed-array accesses
    const memory = newMemory(Math.ceil((size + STRIDE) / 65536));
    this.fn = instantiateWasmWith(HASH_WASM, { e: { m: memory } }) as HashMemory['fn'];
    this.bytes = new Uint8Array(memory.buffer, 0, size);
  }

  /**
   * This memory again, for `size` bytes from its start with zeros after
   * them as in a fresh one; false when it is too small. Its pages are
   * already there: reading a file into fresh memory costs a page fault per
   * 4 kB (the kernel's copy touches each), ~15 us apiece on some VMs.
   */
  reuse(size: number): boolean {
    const buffer = this.bytes.buffer;
    if (size + STRIDE > buffer.byteLength) return false;
    this.bytes = new Uint8Array(buffer, 0, size);
    new Uint8Array(buffer, size, STRIDE).fill(0);
    return true;
  }

  /** The hash of bytes [start, end) (start on a STRIDE boundary), as two 32-bit halves. */
  hash(start: number, end: number): [number, number] {
    const { u, d, i } = this.fn;
    i();
    for (let at = start; at < end; at += HASH_PIECE) u(Math.min(at + HASH_PIECE, end), at);
    const [lo, hi] = d();
    return [lo >>> 0, hi >>> 0];
  }
}

const SPARE_MEMORY = Symbol.for('kstackwatch-studio.spareHashMemory');

/**
 * A HashMemory of `size` bytes: the one the launcher read the bundle and its
 * code cache into, once V8 is done with them (taken once, when it is big
 * enough: the block cache's file of a small program), else a fresh one.
 */
export function hashMemoryFor(size: number): HashMemory {
  const g = globalThis as { [SPARE_MEMORY]?: HashMemory };
  const spare = g[SPARE_MEMORY];
  if (spare?.reuse(size)) {
    delete g[SPARE_MEMORY];
    return spare;
  }
  return new HashMemory(size);
}

/** Read `size` bytes of an open file from its offset `from` into `into` from `at`; false if they came out fewer. */
export function readWhole(fd: number, into: Uint8Array, at: number, size: number, from = 0): boolean {
  for (let done = 0; done < size;) {
    const n = fs.readSync(fd, into, at + done, size - done, from + done);
    if (n <= 0) return false;
    done += n;
  }
  return true;
}

/** The 64-bit hash of some bytes, as two 32-bit halves (what an entry records). */
export function contentHash(data: Uint8Array): [number, number] {
  const m = new HashMemory(data.length);
  m.bytes.set(data);
  return m.hash(0, data.length);
}

const alignUp = (n: number) => (n + STRIDE - 1) & -STRIDE;

export interface CodeCacheOptions {
  /** Cache directory; default $XDG_CACHE_HOME/kstackwatch-studio/v8. */
  dir?: string;
  /** What distinguishes runs that compile different parts of the bundle (the ksw command). */
  slot: string;
}

export type CacheOutcome = 'used' | 'written' | 'disabled';

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const base = env.XDG_CACHE_HOME || (env.HOME ? path.join(env.HOME, '.cache') : null);
  return base ? path.join(base, 'kstackwatch-studio', 'v8') : null;
}

/** 32-bit FNV-1a of a short string, in hex: names an entry (content is checked separately). */
export function nameHash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** The entry file for this bundle, command, node and architecture. */
export function cacheEntryPath(dir: string, bundle: string, slot: string): string {
  const safeSlot = /^[a-z][a-z0-9-]{0,15}$/.test(slot) ? slot : 'other';
  return path.join(dir, `${safeSlot}-${nameHash(`${bundle}\0${process.version}\0${process.arch}`)}.bin`);
}

interface Loaded {
  /** Where the bundle and the entry were read. */
  mem: HashMemory;
  /** The bundle's bytes. */
  source: Uint8Array;
  /** Cached data made from exactly these bytes, intact; undefined if there is none. */
  cachedData: Buffer | undefined;
  /** The bundle's hash, for a new entry (computed only when an entry is read or written). */
  sourceHash(): [number, number];
}

/**
 * Read the bundle and, when there is one, its cache entry into one wasm
 * memory ([bundle | entry], each at a word boundary), where both are
 * hashed without another copy.
 */
function readBundleAndEntry(bundle: string, entry: string): Loaded {
  const bundleFd = fs.openSync(bundle, 'r');
  let entryFd = -1;
  try {
    const size = fs.fstatSync(bundleFd).size;
    try { entryFd = fs.openSync(entry, 'r'); } catch { /* no entry yet */ }
    const entrySize = entryFd >= 0 ? fs.fstatSync(entryFd).size : 0;
    const at = alignUp(size);
    const mem = new HashMemory(at + entrySize);
    if (!readWhole(bundleFd, mem.bytes, 0, size)) throw new Error(`short read of ${bundle}`);
    const source = mem.bytes.subarray(0, size);
    let hash: [number, number] | undefined;
    const sourceHash = () => (hash ??= mem.hash(0, size));
    let cachedData: Buffer | undefined;
    if (entryFd >= 0 && entrySize >= HEADER && readWhole(entryFd, mem.bytes, at, entrySize)) {
      const buf = Buffer.from(mem.bytes.buffer, at, entrySize);
      const u32 = (i: number) => buf.readUInt32LE(MAGIC.length + 4 * i);
      const dataLength = u32(3);
      if (buf.toString('latin1', 0, MAGIC.length) === MAGIC && u32(0) === size && entrySize === HEADER + dataLength) {
        const [a, b] = sourceHash();
        const [c, d] = mem.hash(at + HEADER, at + entrySize);
        if (u32(1) === a && u32(2) === b && u32(4) === c && u32(5) === d) cachedData = buf.subarray(HEADER);
      }
    }
    return { mem, source, cachedData, sourceHash };
  } finally {
    fs.closeSync(bundleFd);
    if (entryFd >= 0) fs.closeSync(entryFd);
  }
}

function writeEntry(file: string, source: Loaded, data: Buffer): void {
  const mem = new HashMemory(HEADER + data.length);
  mem.bytes.set(data, HEADER);
  const entry = Buffer.from(mem.bytes.buffer, 0, HEADER + data.length);
  entry.write(MAGIC, 0, 'latin1');
  const [a, b] = source.sourceHash(), [c, d] = mem.hash(HEADER, HEADER + data.length);
  [source.source.length, a, b, data.length, c, d].forEach((v, i) => entry.writeUInt32LE(v, MAGIC.length + 4 * i));
  replaceCacheFile(file, entry, MAX_ENTRIES);
}

/**
 * Put `data` in place as `file` (best effort), then prune its directory to
 * `keep` entries. Written to a temporary name and renamed into place: a ksw
 * starting meanwhile reads the old file or the new one, never half of one.
 */
export function replaceCacheFile(file: string, data: Uint8Array, keep: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch {
    try { fs.unlinkSync(tmp); } catch { /* never created */ }
  }
  pruneEntries(path.dirname(file), keep);
}

/**
 * Remove the least recently written entries (.bin files) beyond `keep`,
 * each with its companions (its name and a suffix: blockCache's fewBlocks.ts
 * list). Best effort: another ksw may prune too.
 */
export function pruneEntries(dir: string, keep: number): void {
  try {
    const names = fs.readdirSync(dir);
    const entries = names.filter((n) => n.endsWith('.bin'))
      .map((n) => { const p = path.join(dir, n); return { n, p, t: fs.statSync(p).mtimeMs }; })
      .sort((a, b) => b.t - a.t);
    for (const e of entries.slice(keep)) {
      fs.rmSync(e.p, { force: true });
      for (const c of names) if (c.startsWith(`${e.n}.`) && !c.endsWith('.tmp')) fs.rmSync(path.join(dir, c), { force: true });
    }
  } catch { /* the cache stays as it is */ }
}

/**
 * What the bundle learns from the launcher about itself when it runs with a
 * code cache: the bundle's length and hash and where caches of its making
 * go (cli/blockCache.ts). A global, since the launcher and the bundle are
 * separate scripts.
 */
export interface BundleIdentity {
  bundle: string;
  size: number;
  hash: [number, number];
  /** The block cache's directory, beside the code cache's. */
  blocksDir: string;
}

const BUNDLE_IDENTITY = Symbol.for('kstackwatch-studio.bundleIdentity');

/**
 * A self-wrapped bundle (scripts/build.mjs makes dist/ksw.js one) is its own
 * CommonJS wrapper: SELF_WRAPPED_HEAD, the code, SELF_WRAPPED_TAIL. Loaded
 * by require (`node dist/ksw.js`) the tail calls the function with the
 * module wrapper's own `arguments`; loaded here, with those this file puts
 * under BUNDLE_ARGS, which the tail takes away before the code runs (so a
 * self-wrapped file the code requires in turn gets its own). So the launcher compiles the
 * file's text as it is: wrapping it in a function as a string made V8 copy
 * the megabyte once more (a cons string flattened), ~300 fresh pages.
 */
export const SELF_WRAPPED_HEAD = '(function (exports, require, module, __filename, __dirname) {';
const BUNDLE_ARGS_KEY = Symbol.for('kstackwatch-studio.bundleArgs');
const BUNDLE_ARGS = 'globalThis[Symbol.for("kstackwatch-studio.bundleArgs")]';
export const SELF_WRAPPED_TAIL = `\n}).apply(...((a = ${BUNDLE_ARGS}) => (delete ${BUNDLE_ARGS}, a ? [a[2].exports, a] : [arguments[2].exports, arguments]))());`;

function isSelfWrapped(source: Buffer): boolean {
  return source.length > SELF_WRAPPED_HEAD.length && source.toString('latin1', 0, SELF_WRAPPED_HEAD.length) === SELF_WRAPPED_HEAD;
}

/** The running bundle's identity, or null when it runs without a code cache (KSW_NO_CODE_CACHE, tests, no cache directory). */
export function bundleIdentity(): BundleIdentity | null {
  return (globalThis as { [BUNDLE_IDENTITY]?: BundleIdentity })[BUNDLE_IDENTITY] ?? null;
}

/**
 * Run a CommonJS bundle as `require` would (module, exports, require,
 * __filename, __dirname), compiled with the code cache when one matches.
 * Returns what happened to the cache (for tests); the entry, when one is
 * made, is written as the process exits, so it holds every function the run
 * compiled.
 */
export function runBundleWithCodeCache(bundle: string, opts: CodeCacheOptions, env: NodeJS.ProcessEnv = process.env): CacheOutcome {
  return loadWithCodeCache(bundle, opts, env, true).outcome;
}

const CACHED_REQUIRE = Symbol.for('kstackwatch-studio.requireCached');

/**
 * Let the bundle load the files it requires on first use (dist/iced-x86.js,
 * scripts/build.mjs) through code cache entries of their own, as the
 * launcher loads the bundle: a new program's first decode then skips
 * parsing and compiling iced-x86's half megabyte of JS. The bundle finds
 * the loader under a global symbol and falls back to require without one
 * (`node dist/ksw.js`, KSW_NO_CODE_CACHE).
 */
export function provideCachedRequire(slot: string, env: NodeJS.ProcessEnv = process.env): void {
  if (env.KSW_NO_CODE_CACHE || defaultCacheDir(env) === null) return;
  (globalThis as { [CACHED_REQUIRE]?: (file: string) => unknown })[CACHED_REQUIRE] = (file) => loadWithCodeCache(file, { slot }, env, false).exports;
}

function loadWithCodeCache(bundle: string, opts: CodeCacheOptions, env: NodeJS.ProcessEnv, isMain: boolean): { outcome: CacheOutcome; exports: unknown } {
  const dir = env.KSW_NO_CODE_CACHE ? null : opts.dir ?? defaultCacheDir(env);
  const entry = dir ? cacheEntryPath(dir, bundle, opts.slot) : null;
  const loaded = entry ? readBundleAndEntry(bundle, entry) : null;
  const source = loaded ? Buffer.from(loaded.source.buffer, loaded.source.byteOffset, loaded.source.length) : fs.readFileSync(bundle);
  const cachedData = loaded?.cachedData;
  const selfWrapped = isSelfWrapped(source);
  const text = selfWrapped ? source.toString('utf8') : `${SELF_WRAPPED_HEAD}${source.toString('utf8')}\n})`;
  const script = new vm.Script(text, { filename: bundle, cachedData });
  const used = cachedData !== undefined && !script.cachedDataRejected;
  if (entry && loaded && !used) {
    process.once('exit', () => {
      try { writeEntry(entry, loaded, script.createCachedData()); } catch { /* no cache this time */ }
    });
  }
  if (isMain && dir && loaded) {
    const id: BundleIdentity = { bundle, size: loaded.source.length, hash: loaded.sourceHash(), blocksDir: path.join(path.dirname(dir), 'blocks') };
    (globalThis as { [BUNDLE_IDENTITY]?: BundleIdentity })[BUNDLE_IDENTITY] = id;
    // (V8 copied the text and deserialized the data: the memory is free, unless the exit writes an entry from it)
    if (used) (globalThis as { [SPARE_MEMORY]?: HashMemory })[SPARE_MEMORY] = loaded.mem;
  }
  const mod = new Module(bundle, module);
  mod.filename = bundle;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(bundle));
  const args = [mod.exports, Module.createRequire(bundle), mod, bundle, path.dirname(bundle)];
  if (selfWrapped) {
    const g = globalThis as { [BUNDLE_ARGS_KEY]?: unknown[] };
    g[BUNDLE_ARGS_KEY] = args;
    try {
      script.runInThisContext();
    } finally {
      delete g[BUNDLE_ARGS_KEY];
    }
  } else {
    (script.runInThisContext() as (...a: unknown[]) => void).apply(mod.exports, args);
  }
  return { outcome: !entry ? 'disabled' : used ? 'used' : 'written', exports: mod.exports };
}
