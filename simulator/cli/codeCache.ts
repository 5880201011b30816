// V8 code cache for the `ksw` bundle: most of a short command's start-up is
// V8 parsing and compiling the 1 MB bundle (the whole file once, then each
// function on its first call). The launcher (launch.ts) loads the bundle
// through a vm.Script with the bytecode a previous run of the same command
// left in the user's cache directory, and after a run without a usable
// cache leaves one for the next.
//
// An entry holds a copy of the source it was made from, and is used only
// when that copy equals the bundle byte for byte (a memcmp: cheaper than
// loading node:crypto to hash it), for the same node version and CPU
// architecture; V8 checks its own version and flags and rejects the data
// otherwise. So a rebuilt bundle, another node or other V8 flags never run
// stale code: they make a fresh entry. V8 does not checksum code caches
// (damaged data can crash it), so the entry carries a checksum of its data,
// computed by a tiny wasm function (node:zlib's crc32 or node:crypto would
// cost more to load than the cache saves). Entries live in
// $XDG_CACHE_HOME/kstackwatch-studio/v8 (default ~/.cache/...), one per
// bundle location and command, overwritten in place (atomic rename), so
// rebuilding never piles files up. KSW_NO_CODE_CACHE=1 turns it off; any
// I/O problem silently means running without a cache.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import Module = require('node:module');

const MAGIC = 'KSWV8CC2';
/** magic, source length, cached-data length, checksum of the cached data */
const HEADER = MAGIC.length + 12;

/**
 * A Fletcher-style checksum over little-endian 32-bit words, in wasm so it
 * runs at native speed from its first call (a cold JavaScript loop over a
 * megabyte is an interpreter's loop):
 *
 *   (module (memory (export "m") 1)
 *     (func (export "f") (param $end i32) (param $i i32) (result i32) (local $a i32) (local $b i32)
 *       (local.set $a (i32.const 1))
 *       (block $done (loop $next
 *         (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
 *         (local.set $a (i32.add (local.get $a) (i32.load (local.get $i))))
 *         (local.set $b (i32.add (local.get $b) (local.get $a)))
 *         (local.set $i (i32.add (local.get $i) (i32.const 4)))
 *         (br $next)))
 *       (i32.xor (local.get $b) (i32.rotl (local.get $a) (i32.const 16)))))
 *
 * The last word may take up to 3 bytes past `end`: the memory is fresh, so
 * they are zeros for the writer and the reader alike.
 */
const CHECKSUM_WASM = Uint8Array.of(
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, // type: (i32 i32) -> i32
  0x03, 0x02, 0x01, 0x00, // function 0 has type 0
  0x05, 0x03, 0x01, 0x00, 0x01, // memory: 1 page, growable
  0x07, 0x09, 0x02, 0x01, 0x6d, 0x02, 0x00, 0x01, 0x66, 0x00, 0x00, // exports "m" (memory), "f" (function)
  0x0a, 0x39, 0x01, 0x37, 0x01, 0x02, 0x7f, // code: one body, locals a b: i32
  0x41, 0x01, 0x21, 0x02, // a = 1
  0x02, 0x40, 0x03, 0x40, // block, loop
  0x20, 0x01, 0x20, 0x00, 0x4f, 0x0d, 0x01, // br_if done (i >= end)
  0x20, 0x02, 0x20, 0x01, 0x28, 0x02, 0x00, 0x6a, 0x21, 0x02, // a += load(i)
  0x20, 0x03, 0x20, 0x02, 0x6a, 0x21, 0x03, // b += a
  0x20, 0x01, 0x41, 0x04, 0x6a, 0x21, 0x01, // i += 4
  0x0c, 0x00, 0x0b, 0x0b, // br next; end loop; end block
  0x20, 0x03, 0x20, 0x02, 0x41, 0x10, 0x77, 0x73, 0x0b, // b ^ rotl(a, 16)
);

/** The part of the WebAssembly API used here (the project's TypeScript libs do not declare it). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
};

/** Fresh wasm memory of at least `size` bytes, and the checksum function over it. */
function checksummer(size: number): { bytes: Uint8Array; sum(start: number, end: number): number } {
  const { m, f } = new WebAssembly.Instance(new WebAssembly.Module(CHECKSUM_WASM)).exports as {
    m: { buffer: ArrayBuffer; grow(pages: number): number };
    f: (end: number, start: number) => number;
  };
  const pages = Math.ceil((size + 4) / 65536);
  if (pages > 1) m.grow(pages - 1);
  return { bytes: new Uint8Array(m.buffer, 0, size), sum: (start, end) => f(end, start) >>> 0 };
}

/** The checksum of `data` (as the reader computes it over the entry's data). */
export function dataChecksum(data: Uint8Array): number {
  const c = checksummer(data.length);
  c.bytes.set(data);
  return c.sum(0, data.length);
}

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
function nameHash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** The entry file for this bundle, command, node and architecture. */
export function cacheEntryPath(dir: string, bundle: string, slot: string): string {
  const safeSlot = /^[a-z][a-z0-9-]{0,15}$/.test(slot) ? slot : 'other';
  return path.join(dir, `${safeSlot}-${nameHash(`${bundle}\0${process.version}\0${process.arch}`)}.bin`);
}

/** The cached data in an entry, if the entry was made from exactly `source` and its data is intact. */
function readEntry(file: string, source: Buffer): Buffer | undefined {
  let fd: number;
  try { fd = fs.openSync(file, 'r'); } catch { return undefined; }
  try {
    const size = fs.fstatSync(fd).size;
    if (size < HEADER + source.length) return undefined;
    // read straight into the checksum's memory: the data is checked where it lies, never copied
    const c = checksummer(size);
    if (fs.readSync(fd, c.bytes, 0, size, 0) !== size) return undefined;
    const buf = Buffer.from(c.bytes.buffer, 0, size);
    if (buf.toString('latin1', 0, MAGIC.length) !== MAGIC) return undefined;
    const sourceLength = buf.readUInt32LE(MAGIC.length), dataLength = buf.readUInt32LE(MAGIC.length + 4);
    if (sourceLength !== source.length || size !== HEADER + sourceLength + dataLength) return undefined;
    if (!buf.subarray(HEADER, HEADER + sourceLength).equals(source)) return undefined;
    if (c.sum(HEADER + sourceLength, size) !== buf.readUInt32LE(MAGIC.length + 8)) return undefined;
    return buf.subarray(HEADER + sourceLength);
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

function writeEntry(file: string, source: Buffer, data: Buffer): void {
  const header = Buffer.alloc(HEADER);
  header.write(MAGIC, 0, 'latin1');
  header.writeUInt32LE(source.length, MAGIC.length);
  header.writeUInt32LE(data.length, MAGIC.length + 4);
  header.writeUInt32LE(dataChecksum(data), MAGIC.length + 8);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // A temporary name renamed into place: a ksw starting meanwhile reads the old entry or the new, never half of one.
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, Buffer.concat([header, source, data]));
    fs.renameSync(tmp, file);
  } catch {
    try { fs.unlinkSync(tmp); } catch { /* never created */ }
  }
}

/**
 * Run a CommonJS bundle as `require` would (module, exports, require,
 * __filename, __dirname), compiled with the code cache when one matches.
 * Returns what happened to the cache (for tests); the entry, when one is
 * made, is written as the process exits, so it holds every function the run
 * compiled.
 */
export function runBundleWithCodeCache(bundle: string, opts: CodeCacheOptions, env: NodeJS.ProcessEnv = process.env): CacheOutcome {
  const source = fs.readFileSync(bundle);
  const dir = env.KSW_NO_CODE_CACHE ? null : opts.dir ?? defaultCacheDir(env);
  const entry = dir ? cacheEntryPath(dir, bundle, opts.slot) : null;
  const cachedData = entry ? readEntry(entry, source) : undefined;
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source.toString('utf8')}\n})`;
  const script = new vm.Script(wrapped, { filename: bundle, cachedData });
  const used = cachedData !== undefined && !script.cachedDataRejected;
  if (entry && !used) {
    process.once('exit', () => {
      try { writeEntry(entry, source, script.createCachedData()); } catch { /* no cache this time */ }
    });
  }
  const mod = new Module(bundle, module);
  mod.filename = bundle;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(bundle));
  const fn = script.runInThisContext() as (...args: unknown[]) => void;
  fn.call(mod.exports, mod.exports, Module.createRequire(bundle), mod, bundle, path.dirname(bundle));
  return !entry ? 'disabled' : used ? 'used' : 'written';
}
