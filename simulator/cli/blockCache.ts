// The block cache of `ksw exec` and `ksw run`: the generated code of every
// block a run compiled (cpu/blockStore.ts), kept per program in the user's
// cache directory with V8's code cache of it, so the next run of the same
// program skips decoding, code generation and parsing for the code it ran
// before — most of a short run's start-up — and, when every block it needs
// is there, never starts the instruction decoder's wasm at all.
//
// Never stale: the compiler takes a stored block only when the instruction
// bytes and kernel answers its compile read are the same now (a rebuilt
// program just compiles the blocks that changed); the file is used only by
// the bundle it was made with (its length and 64-bit hash, as the bundle's
// code cache: codeCache.ts) and its name carries the node version and CPU
// architecture (V8 rejects code cached by another V8 or other flags; the
// file's content is hashed, since V8 does not check it). Written at exit
// (see save: a first run stores the blocks' source, the next V8's code cache
// of them), to a temporary name renamed into place, so concurrent runs each
// read a whole file (the one they opened: a run reads parts of it later).
// A run reads the blocks' words and bytes at once and the rest as it needs
// it (cacheRegion.ts): a run with the wasm tier on never reads the code
// cache of the traces its stored wasm runs, one with it off never reads the
// translations. With the wasm tier on (KSW_WASM=1), a block that went
// to wasm keeps its function's bytes beside its source (or the note that it
// stays JS), so a warm run does not decode it to translate it again; a
// translation that no longer instantiates is made again. On only when bin/ksw
// runs the bundle through its code cache (launch.ts), so KSW_NO_CODE_CACHE=1
// turns both off; any I/O problem means running without it.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { BlockCode, blockKey, BlockStore, CompileReads, FACTORY_HEAD, FACTORY_TAIL, factorySource, parseBlockKey, sameNumbers, setBlockStore, StoredBlock, StoredTranslation } from '../cpu/blockStore';
import { bundleIdentity, BundleIdentity, HashMemory, hashMemoryFor, nameHash, readWhole, replaceCacheFile } from './codeCache';
import { BlockScript } from './blockScript';
import { raiseMallocThreshold } from './mallocThreshold';
import { forgetFew, recurs, rememberFew } from './fewBlocks';
import { prestartCompileAhead } from '../cpu/wasm/compileAhead';
import { WASM_TIER } from '../memory/wasmBacking';
import { alignRegion, CHUNK, chunkHashes, chunksOf, FileRegion, OpenFile, RegionKind, regionReads } from './cacheRegion';

const MAGIC = 'KSWBLK09';
/**
 * magic; hash of the always-read part after these two words (2 halves);
 * bundle length and hash (2 halves); block count; lengths of the sections
 * (int32 words, bytes, source, V8 data, translation int32 words,
 * translation bytes); the number of scripts of factories (blockScript.ts);
 * CHUNK. The file: the always-read part — the header, the script table (per
 * script: its source's and V8 data's lengths, and whether it holds the
 * factories of blocks with a stored function), the hashes of the lazily
 * read regions' chunks (two words each, regions in file order), the block
 * words and the fetched bytes — then the regions read when needed, each
 * from a 16-byte boundary, zero-padded: the translations (words, then the
 * functions' bytes), then each script's source and V8 data, in order.
 */
const HEADER = MAGIC.length + 4 * 14;
const enum H { HASH = 0, BUNDLE_SIZE = 2, COUNT = 5, WORDS, BYTES, SOURCE, DATA, T_WORDS, T_BYTES, SCRIPTS, CHUNK }
const SCRIPT_WORDS = 3;
/**
 * Scripts per file at most. A run that compiled blocks adds their
 * factories as a script of their own (or two: JS and wasm blocks), so the
 * scripts it compiled keep their source and the V8 code cache it made of
 * them (see save); past this many, the scripts added so are made one again.
 */
const MAX_SCRIPTS = 8;
/** Scripts a file full of scripts keeps as they are (the last full write's: JS blocks, traces); the rest are made one again (FileBlockStore.append). */
const KEEP_SCRIPTS = 2;
/**
 * Blocks kept per program, and their source's total length (the oldest go
 * first). Both hold a big program's whole working set — Lua 5.4 on a small
 * script makes 6,900 blocks, 13.6 MB of source — since a cap below it drops
 * blocks the next run compiles again, every run (8 MB did, for Lua).
 */
const MAX_BLOCKS = 16384;
const MAX_SOURCE = 32 << 20;
/**
 * A file of at least this many bytes is not written again for a run that
 * compiled fewer than 1/FEW_ADDED_PART of its blocks (and changed nothing
 * else in it). Writing a big file costs more than compiling a few blocks
 * in every later run: Lua's 35 MB took ~300 ms to write, and the script of
 * the added blocks then has no V8 code cache, so the next run wrote it all
 * again for that — while a block compiles in ~0.1 ms. Lua seeds its string
 * hashes with the time, so each of its runs reaches a few blocks the file
 * does not hold: it wrote the file at every run. Blocks that come back in
 * the next run are written in once (fewBlocks.ts).
 */
const FEW_ADDED_MIN_FILE = 8 << 20;
const FEW_ADDED_PART = 64;
/**
 * Nor is such a file written again only for the V8 code cache of scripts
 * whose source is under 1/FEW_DATA_PART of its bytes: the scripts a run
 * appended (its few added blocks' factories, source only) are compiled
 * without one in a few milliseconds, while writing Lua's 34 MB again took
 * its second warm run 0.84 -> 1.10 s, every time a run had appended blocks
 * (the bench's first tier-on runs on a fresh cache). Such a code cache is
 * written with the next write the file has for another reason.
 */
const FEW_DATA_PART = 64;
/**
 * A file of at least this many bytes is a big program's, whose run has V8
 * compile much on its threads: it raises glibc's trim threshold
 * (mallocThreshold.ts). A hello-world's file is 0.6 MB, kmix's 5.8.
 */
const RAISE_MALLOC_FROM = 2 << 20;
/**
 * A file whose wasm functions take at least this many bytes has the
 * worker that compiles them started as soon as its header is read
 * (cpu/wasm/compileAhead.ts): about storedModules.ts's AHEAD_FROM groups
 * of Lua's functions (3.2 MB for 940 of them); the next biggest file of
 * the bench, sort64's, holds 0.7 MB.
 */
const PRESTART_FROM = 1 << 20;
/** Blocks kept per compile key (the newest): code that differs between runs, or within one. */
const MAX_VARIANTS = 4;
/** Program files kept in the directory. */
export const MAX_BLOCK_FILES = 64;
/**
 * Each block in the int32 section: lo, hi, maxInsns, trace, hooked, length,
 * where its factory lies in the source (start, end), the counts of its
 * fetch words, hook-question words, IPS words, pages (two words each: a
 * kernel page's key does not fit one) and fetched bytes; then
 * those arrays (the fetched bytes are in the byte section, in block order).
 */
const BLOCK_WORDS = 13;
/**
 * Each translation in its int32 section (in block order): the block's index
 * in the file, the layout's word count, the function's byte count, then the
 * layout's words (the functions' bytes are in their byte section, in order).
 */
const TRANSLATION_WORDS = 3;
/** Translations kept per block (the newest per layout): one per CPU of the machine. */
const MAX_TRANSLATIONS = 8;

/** A script's entry in the script table (see HEADER): the lengths of its source and V8 data. */
interface ScriptEntry { source: number; data: number; wasm: boolean }

/** The sections of a file to write, as its bytes, and its script table (see HEADER). */
interface Sections {
  ints: Uint8Array; tInts: Uint8Array; bytes: Uint8Array; tBytes: Uint8Array; source: Uint8Array; data: Uint8Array;
  scripts: ScriptEntry[];
}

/**
 * Page keys (memory.ts pageKey: high half × 2^20 + page number in the low
 * 4 GiB) as int32 pairs and back. A kernel address's key is about 2^52:
 * written as one int32 it came back as another page, so a probe's int3
 * written there later did not reach the stored block and stale code ran.
 */
function splitPageKeys(keys: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < keys.length; i++) out.push(Math.floor(keys[i] / 0x100000) | 0, keys[i] % 0x100000);
  return out;
}

function joinPageKeys(words: Int32Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < words.length; i += 2) out.push((words[i] >>> 0) * 0x100000 + words[i + 1]);
  return out;
}

/** The cache file of a program (by its absolute path) for this bundle, command, node and architecture. */
export function blockCachePath(id: BundleIdentity, slot: string, program: string): string {
  return path.join(id.blocksDir, `${slot}-${nameHash(`${id.bundle}\0${path.resolve(program)}\0${process.version}\0${process.arch}`)}.bin`);
}

/**
 * Where the parts of a file lie (see HEADER), given its script table's end
 * and its sections' lengths: the block words, the fetched bytes, the end of
 * the always-read part, the lazily read regions' starts (the translations,
 * then each script's source and data) and the file's size.
 */
function fileLayout(table: number, words: number, byteCount: number, regions: readonly number[]):
  { chunkWords: number; intsAt: number; bytesAt: number; eagerEnd: number; starts: number[]; size: number } {
  const chunkWords = 2 * sum(regions.map(chunksOf)), intsAt = table + 4 * chunkWords, bytesAt = intsAt + 4 * words, eagerEnd = bytesAt + byteCount;
  let size = alignRegion(eagerEnd);
  const starts = regions.map((length) => { const at = size; size = alignRegion(size + length); return at; });
  return { chunkWords, intsAt, bytesAt, eagerEnd, starts, size };
}

/**
 * A file's script table, lazily read regions' lengths (the translations,
 * then each script's source and data) and layout, from its header and
 * script table (in `buf`); null when they do not describe a file of
 * `size` bytes.
 */
function partsOf(buf: Buffer, size: number): { scripts: ScriptEntry[]; lengths: number[]; layout: ReturnType<typeof fileLayout> } | null {
  const h = (i: number) => buf.readUInt32LE(MAGIC.length + 4 * i);
  if (h(H.SCRIPTS) > MAX_SCRIPTS || HEADER + 4 * SCRIPT_WORDS * h(H.SCRIPTS) > buf.length) return null;
  const scripts: ScriptEntry[] = [];
  for (let i = 0, at = HEADER; i < h(H.SCRIPTS); i++, at += 4 * SCRIPT_WORDS) {
    scripts.push({ source: buf.readUInt32LE(at), data: buf.readUInt32LE(at + 4), wasm: buf.readUInt32LE(at + 8) !== 0 });
  }
  if (h(H.CHUNK) !== CHUNK || sum(scripts.map((e) => e.source)) !== h(H.SOURCE) || sum(scripts.map((e) => e.data)) !== h(H.DATA)) return null;
  const lengths = [4 * h(H.T_WORDS) + h(H.T_BYTES), ...scripts.flatMap((e) => [e.source, e.data])];
  const layout = fileLayout(HEADER + 4 * SCRIPT_WORDS * scripts.length, h(H.WORDS), h(H.BYTES), lengths);
  return layout.size === size ? { scripts, lengths, layout } : null;
}

/** What each lazily read region of a file with these scripts holds, in file order (see HEADER). */
function regionKinds(scripts: readonly ScriptEntry[]): RegionKind[] {
  return ['translations', ...scripts.flatMap((e): RegionKind[] => (e.wasm ? ['wasmSource', 'wasmData'] : ['source', 'data']))];
}

/** Where a block cache file's parts lie (tests: damage one): the always-read part's end, then each lazily read region. */
export function blockFileRegions(file: Buffer): { eagerEnd: number; regions: { kind: RegionKind; start: number; length: number }[] } | null {
  const parts = file.length >= HEADER ? partsOf(file, file.length) : null;
  if (parts === null) return null;
  const kinds = regionKinds(parts.scripts);
  return { eagerEnd: parts.layout.eagerEnd, regions: kinds.map((kind, r) => ({ kind, start: parts.layout.starts[r], length: parts.lengths[r] })) };
}

/** Where a stored block lies in the file, until a compile asks for it: its words, bytes, index, and its factory's script and index there. */
interface Placed { key: string; word: number; byte: number; index: number; part: number; script: BlockScript; factory: number }

export class FileBlockStore implements BlockStore {
  private readonly stored = new Map<string, (StoredBlock | Placed)[]>();
  private ints: Int32Array = new Int32Array(0);
  private bytes: Uint8Array = new Uint8Array(0);
  /** Where each script starts in the file's source (a block's factory is placed by its offsets there). */
  private readonly scriptStarts: number[] = [];
  private readonly added: [string, BlockCode][] = [];
  /** `added`'s blocks by key, so put finds a block compiled again without scanning them all (a big program adds thousands). */
  private readonly addedByKey = new Map<string, BlockCode[]>();
  /** The file's translations by block index, and the index of each block unpacked from it. */
  private readonly fileTranslations = new Map<number, StoredTranslation[]>();
  private readonly indexOf = new Map<BlockCode, number>();
  /** The file's blocks, in file order. */
  private placed: Placed[] = [];
  /** Translations made in this run, by block. */
  private readonly fresh = new Map<BlockCode, StoredTranslation[]>();
  /** The file's scripts of factories (blockScript.ts); the file's block count. */
  private scripts: BlockScript[] = [];
  private count = 0;
  /** The file's traces (see traces). */
  private traceCount = 0;
  /** The file's size as read (0: none). */
  private fileBytes = 0;
  /** The file as read (null: none): open, its script table, its translations' region and word count (read when first needed). */
  private opened: { file: OpenFile; scripts: ScriptEntry[]; translations: FileRegion; tWords: number } | null = null;
  /** fileTranslations holds the file's (see translationsLoaded). */
  private translationsLoaded = false;
  /** A piece of the file read was damaged: the file is written again at exit. */
  private damaged = false;
  /** This run had the wasm tier on (it asked for functions or added some): see BlockScript.dataToWrite. */
  private wasmRun = false;
  /** The file had wasm functions for this run's layout: its traces run them from their first entry. */
  private storedWasm = false;

  constructor(private readonly file: string, private readonly id: BundleIdentity) {
    try {
      this.load();
    } catch {
      // unreadable or damaged: compile as if there were no file
      this.close();
      this.stored.clear();
      this.fileTranslations.clear();
      this.scripts = [];
      this.scriptStarts.length = 0;
      this.placed = [];
      this.opened = null;
      this.traceCount = 0;
    }
  }

  /** Whether every part of the file is intact (tests: reads all of it). */
  intact(): boolean {
    if (this.opened === null) return false;
    this.loadTranslations();
    const { translations } = this.opened;
    return !this.damaged && this.scripts.every((p) => p.sourceToWrite() !== null && p.dataIntact()) && !translations.damaged;
  }

  /** Close the file (read no more of it: at exit, after save). */
  close(): void {
    this.opened?.file.close(fs.closeSync);
  }

  get(key: string): readonly StoredBlock[] {
    const list = this.stored.get(key);
    if (list === undefined) return [];
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      if (!('word' in s)) continue;
      const block = this.unpack(s);
      if (block !== null) list[i] = block;
      else { list.splice(i--, 1); this.damaged = true; } // (its factory's source is damaged: compiled again)
    }
    return list as StoredBlock[];
  }

  has(key: string): boolean {
    return this.stored.has(key);
  }

  get traces(): number {
    return this.traceCount;
  }

  put(key: string, code: BlockCode): void {
    // (code compiled again in the same run, after a write to its page, is stored once)
    const same = this.addedByKey.get(key);
    if (same?.some((c) => c.body === code.body && sameReads(c.reads, code.reads))) return;
    if (same === undefined) this.addedByKey.set(key, [code]); else same.push(code);
    this.added.push([key, code]);
  }

  addTranslation(code: BlockCode, translation: StoredTranslation): void {
    this.wasmRun = true;
    const list = this.fresh.get(code);
    if (list === undefined) this.fresh.set(code, [translation]); else list.push(translation);
  }

  functionsFor(layout: ArrayLike<number>): readonly Uint8Array[] {
    this.wasmRun = true;
    this.loadTranslations();
    const out: Uint8Array[] = [];
    for (const list of this.fileTranslations.values()) {
      for (const t of list) if (t.bytes.length > 0 && sameNumbers(t.layout, layout)) out.push(t.bytes);
    }
    if (out.length > 0) this.storedWasm = true;
    return out;
  }

  /** Blocks read from the file (for tests). */
  get storedCount(): number {
    let n = 0;
    for (const list of this.stored.values()) n += list.length;
    return n;
  }

  private load(): void {
    let fd: number;
    try { fd = fs.openSync(this.file, 'r'); } catch { return; } // no file yet
    let used = false;
    try {
      used = this.open(fd);
    } finally {
      if (!used) fs.closeSync(fd);
    }
  }

  /**
   * Read the file's always-read part (see HEADER) and place its blocks,
   * keeping it open for the rest; false when it is not this bundle's or
   * not intact.
   */
  private open(fd: number): boolean {
    const size = fs.fstatSync(fd).size;
    if (size < HEADER) return false;
    // read where it is hashed, and used from there: the int32 words and bytes are views of it, the regions are read into it later
    const mem = hashMemoryFor(size);
    if (!readWhole(fd, mem.bytes, 0, HEADER)) return false;
    const buf = Buffer.from(mem.bytes.buffer, 0, size);
    if (buf.toString('latin1', 0, MAGIC.length) !== MAGIC) return false;
    const h = (i: number) => buf.readUInt32LE(MAGIC.length + 4 * i);
    if (h(H.BUNDLE_SIZE) !== this.id.size || h(H.BUNDLE_SIZE + 1) !== this.id.hash[0] || h(H.BUNDLE_SIZE + 2) !== this.id.hash[1]) return false;
    // (before the rest is read and checked: the worker takes longer to start than that)
    if (WASM_TIER && h(H.T_BYTES) >= PRESTART_FROM) prestartCompileAhead();
    const table = HEADER + 4 * SCRIPT_WORDS * Math.min(h(H.SCRIPTS), MAX_SCRIPTS);
    if (table > size || !readWhole(fd, mem.bytes, HEADER, table - HEADER, HEADER)) return false;
    const parts = partsOf(buf, size);
    if (parts === null) return false;
    const { scripts, lengths, layout } = parts, count = h(H.COUNT), words = h(H.WORDS), byteCount = h(H.BYTES), tWords = h(H.T_WORDS);
    if (!readWhole(fd, mem.bytes, table, layout.eagerEnd - table, table)) return false;
    regionReads.eager += layout.eagerEnd;
    mem.bytes.fill(0, layout.eagerEnd, alignRegion(layout.eagerEnd)); // (the hash takes the padding: zeros)
    const [c, d] = mem.hash(4 * H.BUNDLE_SIZE + MAGIC.length, layout.eagerEnd);
    if (h(H.HASH) !== c || h(H.HASH + 1) !== d) return false;
    if (size >= RAISE_MALLOC_FROM) raiseMallocThreshold();

    const file = new OpenFile(fd, mem), hashes = new Uint32Array(mem.bytes.buffer, table, layout.chunkWords), kinds = regionKinds(scripts);
    let hashAt = 0;
    const region = (r: number) => new FileRegion(file, layout.starts[r], lengths[r], hashes.subarray(hashAt, (hashAt += 2 * chunksOf(lengths[r]))), kinds[r]);
    const translations = region(0);
    // (each compiled when a block first needs a factory of it; its source made a string then: generated code is ASCII, see saveBlocks)
    const ends: number[] = [];
    for (let i = 0, from = 0; i < scripts.length; i++) {
      const e = scripts[i], source = region(1 + 2 * i);
      this.scripts.push(new BlockScript(source, region(2 + 2 * i), e.wasm));
      this.scriptStarts.push(from);
      ends.push(from += e.source);
    }
    // (plain Uint8Arrays: a Buffer's subarray, taken per stored block in unpack, goes through Buffer's constructor)
    const ints = new Int32Array(mem.bytes.buffer, layout.intsAt, words); // (little-endian hosts: x86-64, arm64)
    this.ints = ints;
    this.bytes = new Uint8Array(mem.bytes.buffer, layout.bytesAt, byteCount);
    this.count = count;
    this.fileBytes = size;
    this.opened = { file, scripts, translations, tWords };
    // only the keys now; a block is unpacked when a compile asks for it
    const inScript = scripts.map(() => 0);
    for (let n = 0, w = 0, b = 0; n < count; n++) {
      const key = blockKey({ lo: ints[w], hi: ints[w + 1], maxInsns: ints[w + 2], trace: ints[w + 3] !== 0, hooked: ints[w + 4] !== 0 });
      let part = 0;
      while (part < ends.length - 1 && ints[w + 7] > ends[part]) part++;
      if (ints[w + 3] !== 0 && ints[w + 2] > 1) this.traceCount++;
      const placed = { key, word: w, byte: b, index: n, part, script: this.scripts[part], factory: inScript[part]++ }, list = this.stored.get(key);
      this.placed.push(placed);
      if (list) list.push(placed); else this.stored.set(key, [placed]);
      b += ints[w + 12];
      w += BLOCK_WORDS + ints[w + 8] + ints[w + 9] + ints[w + 10] + 2 * ints[w + 11];
    }
    return true;
  }

  /**
   * The file's translations, read on the first ask (a run with the wasm
   * tier off never asks; save does). Damaged: none (the tier translates its
   * blocks again, and the next file holds those).
   */
  private loadTranslations(): void {
    if (this.translationsLoaded || this.opened === null) return;
    this.translationsLoaded = true;
    const { translations, tWords } = this.opened, all = translations.whole();
    try {
      if (all !== null) readTranslations(int32s(all.subarray(0, 4 * tWords)), all.subarray(4 * tWords), this.fileTranslations);
    } catch {
      this.fileTranslations.clear();
    }
    if (all === null) this.damaged = true;
  }

  /** A stored block, or null when its factory's source is damaged (it is then compiled again). */
  private unpack(p: Placed): StoredBlock | null {
    const ints = this.ints, w = p.word, base = this.scriptStarts[p.part];
    const srcStart = ints[w + 6] - base, srcEnd = ints[w + 7] - base;
    const script = p.script;
    // (checked before the block is used: once a run has it, its factory must be made when it runs)
    if (!script.sound(srcStart, srcEnd)) return null;
    let at = w + BLOCK_WORDS;
    const take = (k: number) => ints.subarray(at, (at += k));
    const fetches = take(ints[w + 8]), asked = take(ints[w + 9]), ips = take(ints[w + 10]), pages = joinPageKeys(take(2 * ints[w + 11]));
    const bytes = this.bytes.subarray(p.byte, p.byte + ints[w + 12]);
    const block = new FileStoredBlock({ fetches, bytes, asked }, ips, pages, ints[w + 5], this, p, srcStart, srcEnd);
    this.indexOf.set(block, p.index);
    return block;
  }

  /**
   * A stored block's factory: of its script compiled whole, or — a big wasm
   * blocks' script a run with the tier on has not compiled whole — this one
   * alone (see BlockScript.alone), unless the run has no stored wasm, so
   * runs all its traces' JS while their batches wait, and the script's code
   * cache holds them.
   */
  factoryOf(p: Placed, srcStart: number, srcEnd: number): StoredBlock['factory'] {
    const script = p.script;
    const alone = script.manyWasm && this.wasmRun && (this.storedWasm || !script.hasData) && !script.used;
    return alone ? BlockScript.alone(script.slice(srcStart, srcEnd)) : script.factory(p.factory, srcStart, srcEnd);
  }

  /** The file's translations of its block at `index`. */
  translationsAt(index: number): StoredTranslation[] {
    this.loadTranslations();
    return this.fileTranslations.get(index) ?? [];
  }

  /** A block's translations to write: the newest per layout (the stored ones, then this run's). */
  private translationsOf(code: BlockCode): StoredTranslation[] {
    const all = [...(code.translations ?? []), ...(this.fresh.get(code) ?? [])];
    const seen = new Set<string>(), kept: StoredTranslation[] = [];
    for (let i = all.length - 1; i >= 0 && kept.length < MAX_TRANSLATIONS; i--) {
      const layout = all[i].bytes.length === 0 ? '' : Array.from(all[i].layout).join(',');
      if (!seen.has(layout)) { seen.add(layout); kept.unshift(all[i]); }
    }
    return kept;
  }

  /**
   * At exit (best effort). When this run compiled blocks, add them to the
   * file as one or two scripts of their own (append), source only, so the
   * scripts this run compiled keep their source and can take the V8 code
   * cache this run made of them (compiling the new blocks' script now for
   * its code cache would cost this run more than it saves the next). When
   * the file has no room for them (MAX_SCRIPTS, MAX_BLOCKS, MAX_SOURCE,
   * MAX_VARIANTS), write all blocks anew as source only (saveBlocks). When
   * it compiled none but a script it compiled had no usable V8 data, or it
   * translated blocks to wasm, write the file's blocks again with that
   * code cache (which holds every factory this run made of the script: V8
   * compiled them anyway) and the translations. A file found damaged is
   * written again (without what was damaged). Closes the file.
   */
  save(): void {
    try {
      const few = this.added.length > 0 && !this.damaged && this.fewAdded();
      const missing = few ? this.missingKeys() : [];
      const recurring = few && recurs(this.file, missing);
      if (this.added.length > 0 && (!few || recurring)) {
        if (!this.append()) this.saveBlocks();
        forgetFew(this.file);
      } else if (this.opened !== null && (this.damaged || this.dataWorthWriting() || this.freshForFile())) {
        const s = this.fileSections([]);
        if (s !== null) this.write(this.count, s); else this.saveBlocks();
      }
      if (few && !recurring) rememberFew(this.file, missing);
    } finally {
      this.close();
    }
  }

  /** The keys of this run's blocks the file holds no block under (not a variant of one it holds: fewBlocks.ts). */
  private missingKeys(): string[] {
    return this.added.filter(([key]) => !this.stored.has(key)).map(([key]) => key);
  }

  /**
   * This run's blocks are too few to write a big file again for
   * (FEW_ADDED_MIN_FILE): the next run compiles them again — and writes
   * them in if it compiles any of those the file holds nothing under
   * (fewBlocks.ts).
   */
  private fewAdded(): boolean {
    return this.fileBytes >= FEW_ADDED_MIN_FILE && this.added.length * FEW_ADDED_PART < this.count;
  }

  /** Whether the V8 code cache of the scripts this run compiled without one is worth writing the file again for (FEW_DATA_PART). */
  private dataWorthWriting(): boolean {
    let missing = 0;
    for (const p of this.scripts) if (p.dataChanged(this.wasmRun)) missing += p.sourceLength;
    return missing > 0 && (this.fileBytes < FEW_ADDED_MIN_FILE || missing * FEW_DATA_PART >= this.fileBytes);
  }

  /** Translations made this run of blocks the file holds (not of blocks this run added). */
  private freshForFile(): boolean {
    for (const code of this.fresh.keys()) if (this.indexOf.has(code)) return true;
    return false;
  }

  /**
   * The file's sections as this run leaves them (the parts not read yet
   * are read now): each script's V8 data (BlockScript.dataToWrite), the
   * translations of the file's blocks then of `added` (appended after
   * them). Null when a script's source is damaged.
   */
  private fileSections(added: readonly BlockCode[]): Sections | null {
    const sources = this.scripts.map((p) => p.sourceToWrite());
    if (sources.some((b) => b === null)) { this.damaged = true; return null; }
    this.loadTranslations();
    const byIndex = new Map<number, BlockCode>();
    for (const code of this.fresh.keys()) {
      const index = this.indexOf.get(code);
      if (index !== undefined) byIndex.set(index, code);
    }
    const perBlock: StoredTranslation[][] = [];
    for (let n = 0; n < this.count; n++) {
      const code = byIndex.get(n);
      perBlock.push(code !== undefined ? this.translationsOf(code) : this.fileTranslations.get(n) ?? []);
    }
    for (const code of added) perBlock.push(this.translationsOf(code));
    const [tInts, tBytes] = translationSections(perBlock);
    const data = this.scripts.map((p) => p.dataToWrite(this.wasmRun));
    return {
      ints: bytesOf(this.ints), bytes: this.bytes, tInts, tBytes, source: Buffer.concat(sources as Uint8Array[]), data: Buffer.concat(data),
      scripts: this.opened!.scripts.map((e, i) => ({ ...e, data: data[i].length })),
    };
  }

  /**
   * Add this run's blocks after the file's, their factories as new scripts
   * (see save). When that would make too many scripts, the scripts after
   * the first KEEP_SCRIPTS (those of the last full write: the program's
   * bulk, with their code cache) are made one again with the new blocks
   * (keepPrefix). False when the file has no room.
   */
  private append(): boolean {
    if (this.opened === null || this.count + this.added.length > MAX_BLOCKS) return false;
    const perKey = new Map<string, number>();
    for (const [k] of this.added) perKey.set(k, (perKey.get(k) ?? this.stored.get(k)?.length ?? 0) + 1);
    if ([...perKey.values()].some((n) => n > MAX_VARIANTS)) return false;
    const codes = this.added.map(([, code]) => code), fileScripts = this.opened.scripts;
    let keep = fileScripts.length, from = this.count, base = sum(fileScripts.map((e) => e.source));
    let made = scriptsOf(this.added, codes.map((code) => this.translationsOf(code)), base);
    if (made !== null && keep + made.scripts.length > MAX_SCRIPTS) {
      [keep, from] = this.keepPrefix();
      if (keep === 0) return false;
      base = sum(fileScripts.slice(0, keep).map((e) => e.source));
      const again = this.placed.slice(from).map((p): [string, BlockCode] => [p.key, this.get(p.key).find((b) => this.indexOf.get(b) === p.index)!]);
      const blocks = again.concat(this.added);
      made = scriptsOf(blocks, blocks.map(([, code]) => this.translationsOf(code)), base);
    }
    if (made === null || keep + made.scripts.length > MAX_SCRIPTS || base + made.source.length > MAX_SOURCE) return false;
    // (only now: it reads the parts not read yet and may make a script's code cache, which saveBlocks would not use)
    const old = this.fileSections(codes);
    if (old === null) return false;
    const at = this.placed[from] ?? { word: this.ints.length, byte: this.bytes.length };
    this.write(this.count + this.added.length, {
      ...old,
      ints: Buffer.concat([old.ints.subarray(0, 4 * at.word), made.ints]), bytes: Buffer.concat([old.bytes.subarray(0, at.byte), made.bytes]),
      source: Buffer.concat([old.source.subarray(0, base), made.source]),
      data: old.data.subarray(0, sum(old.scripts.slice(0, keep).map((e) => e.data))),
      scripts: [...old.scripts.slice(0, keep), ...made.scripts],
    });
    return true;
  }

  /**
   * How many of the first scripts (KEEP_SCRIPTS at most) hold only blocks
   * that come before all the others' in the file, and the index of the
   * first block after them: the blocks from there on can be written again
   * without touching the kept scripts. [0, 0]: none.
   */
  private keepPrefix(): [number, number] {
    for (let keep = Math.min(KEEP_SCRIPTS, this.scripts.length - 1); keep > 0; keep--) {
      const from = this.placed.findIndex((p) => p.part >= keep);
      if (from >= 0 && this.placed.slice(from).every((p) => p.part >= keep)) return [keep, from];
    }
    return [0, 0];
  }

  private saveBlocks(): void {
    // the stored blocks, then the new ones; per key only the newest MAX_VARIANTS
    const both: [string, BlockCode][] = [...this.stored.keys()].flatMap((k) => this.get(k).map((b): [string, BlockCode] => [k, b])).concat(this.added);
    const perKey = new Map<string, number>();
    for (const [k] of both) perKey.set(k, (perKey.get(k) ?? 0) + 1);
    let all = both.filter(([k]) => {
      const left = perKey.get(k)!;
      perKey.set(k, left - 1);
      return left <= MAX_VARIANTS;
    }).slice(-MAX_BLOCKS);
    let sourceLength = 0, first = all.length;
    while (first > 0 && sourceLength + all[first - 1][1].body.length <= MAX_SOURCE) sourceLength += all[--first][1].body.length;
    all = all.slice(first);
    const translations = all.map(([, code]) => this.translationsOf(code));
    const made = scriptsOf(all, translations, 0);
    if (made === null) return;
    const [tInts, tBytes] = translationSections(translations);
    this.write(all.length, { ints: made.ints, tInts, bytes: made.bytes, tBytes, source: made.source, data: new Uint8Array(0), scripts: made.scripts });
  }

  /** Write the file (see HEADER): the always-read part with its hash and the chunks' hashes, then the regions. */
  private write(count: number, s: Sections): void {
    const table = HEADER + 4 * SCRIPT_WORDS * s.scripts.length;
    const regions: Uint8Array[][] = [[s.tInts, s.tBytes]];
    for (let i = 0, source = 0, data = 0; i < s.scripts.length; i++) {
      const e = s.scripts[i];
      regions.push([s.source.subarray(source, (source += e.source))], [s.data.subarray(data, (data += e.data))]);
    }
    const lengths = regions.map((parts) => sum(parts.map((p) => p.length)));
    const layout = fileLayout(table, s.ints.length / 4, s.bytes.length, lengths);
    const mem = new HashMemory(layout.size); // (fresh: the padding is zeros)
    mem.bytes.set(s.ints, layout.intsAt);
    mem.bytes.set(s.bytes, layout.bytesAt);
    const hashes = new Uint32Array(mem.bytes.buffer, table, layout.chunkWords);
    let hashAt = 0;
    regions.forEach((parts, r) => {
      let at = layout.starts[r];
      for (const p of parts) { mem.bytes.set(p, at); at += p.length; }
      chunkHashes(mem, layout.starts[r], lengths[r], hashes.subarray(hashAt, (hashAt += 2 * chunksOf(lengths[r]))));
    });
    const file = Buffer.from(mem.bytes.buffer, 0, layout.size);
    file.write(MAGIC, 0, 'latin1');
    s.scripts.forEach((e, i) => [e.source, e.data, e.wasm ? 1 : 0].forEach((v, j) => file.writeUInt32LE(v, HEADER + 4 * (SCRIPT_WORDS * i + j))));
    [this.id.size, this.id.hash[0], this.id.hash[1], count, s.ints.length / 4, s.bytes.length, s.source.length, s.data.length,
      s.tInts.length / 4, s.tBytes.length, s.scripts.length, CHUNK]
      .forEach((v, i) => file.writeUInt32LE(v >>> 0, MAGIC.length + 4 * (H.BUNDLE_SIZE + i)));
    const [c, d] = mem.hash(MAGIC.length + 4 * H.BUNDLE_SIZE, layout.eagerEnd);
    file.writeUInt32LE(c, MAGIC.length + 4 * H.HASH);
    file.writeUInt32LE(d, MAGIC.length + 4 * (H.HASH + 1));
    replaceCacheFile(this.file, file, MAX_BLOCK_FILES);
  }
}

/**
 * Blocks as a file's block words, fetched bytes and scripts of factories
 * (source only): the JS blocks' factories make one script, those of blocks
 * with a function another (blockScript.ts), each left out when empty.
 * `base`: where the scripts start in the file's source (after the file's
 * own). Null when the source is not ASCII (it always is: generated code).
 */
function scriptsOf(blocks: readonly [string, BlockCode][], translations: readonly StoredTranslation[][], base: number):
  { ints: Uint8Array; bytes: Uint8Array; source: Uint8Array; scripts: ScriptEntry[] } | null {
  const wasm = blocks.map(([key], i) => wasmKind(key, translations[i]));
  const sources = blocks.map(([, code]) => factorySource(code.body));
  const factories: string[][] = [[], []];
  for (let i = 0; i < blocks.length; i++) factories[wasm[i] ? 1 : 0].push(sources[i]);
  const texts = factories.map((list) => (list.length === 0 ? '' : `[\n${list.join(',\n')}\n]`));
  /** Where the next factory of each script starts in the file's source (after "[\n"). */
  const at = [base + 2, base + texts[0].length + 2];
  const ints: number[] = [], bytes: number[] = [];
  for (let i = 0; i < blocks.length; i++) {
    const [key, code] = blocks[i], k = parseBlockKey(key), r = code.reads, part = wasm[i] ? 1 : 0;
    const length = sources[i].length;
    ints.push(k.lo, k.hi, k.maxInsns, k.trace ? 1 : 0, k.hooked ? 1 : 0, code.length, at[part], at[part] + length,
      r.fetches.length, r.asked.length, code.ips.length, code.pages.length, r.bytes.length,
      ...Array.from(r.fetches), ...Array.from(r.asked), ...Array.from(code.ips), ...splitPageKeys(code.pages));
    for (let j = 0; j < r.bytes.length; j++) bytes.push(r.bytes[j]);
    at[part] += length + 2; // ",\n"
  }
  const text = texts[0] + texts[1];
  const source = Buffer.from(text, 'utf8');
  if (source.length !== text.length) return null; // generated code is ASCII: the offsets above count bytes and characters alike
  const scripts = texts.map((t, i) => ({ source: t.length, data: 0, wasm: i === 1 })).filter((e) => e.source > 0);
  return { ints: bytesOf(Int32Array.from(ints)), bytes: Uint8Array.from(bytes), source, scripts };
}

/**
 * Whether a block's factory goes to a script of blocks with wasm: it has a
 * function, or it is a trace a run with the tier on would translate (not a
 * step's) that no such run has seen yet. So a file written with the tier off
 * already keeps the traces apart, and the first run with it on (which only
 * adds scripts) does not make the JS blocks' script one a warm run must
 * read the traces' code with (blockScript.ts).
 */
function wasmKind(key: string, translations: readonly StoredTranslation[]): boolean {
  if (translations.length === 0) {
    const k = parseBlockKey(key);
    return k.trace && k.maxInsns > 1;
  }
  return translations.some((t) => t.bytes.length > 0);
}

function sum(values: readonly number[]): number {
  return values.reduce((n, v) => n + v, 0);
}

/** An int32 view of a section (it starts on a 4-byte boundary of its file). */
function int32s(section: Uint8Array): Int32Array {
  return new Int32Array(section.buffer, section.byteOffset, section.length / 4);
}

function bytesOf(words: Int32Array): Uint8Array {
  return new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
}

/** The translation sections (words, bytes) of each block's translations, blocks in file order. */
function translationSections(perBlock: readonly (readonly StoredTranslation[])[]): [Uint8Array, Uint8Array] {
  const words: number[] = [], modules: Uint8Array[] = [];
  perBlock.forEach((list, index) => {
    for (const t of list) {
      words.push(index, t.layout.length, t.bytes.length, ...Array.from(t.layout));
      modules.push(t.bytes);
    }
  });
  return [bytesOf(Int32Array.from(words)), Buffer.concat(modules)];
}

/** The translations of a file's sections, by block index (damaged counts throw: the file's translations are then not used). */
function readTranslations(words: Int32Array, modules: Uint8Array, into: Map<number, StoredTranslation[]>): void {
  let byte = 0;
  for (let w = 0; w < words.length;) {
    const index = words[w], layoutLength = words[w + 1], length = words[w + 2];
    const end = w + TRANSLATION_WORDS + layoutLength;
    if (layoutLength < 0 || length < 0 || end > words.length || byte + length > modules.length) throw new Error('damaged translations');
    const t = { layout: words.subarray(w + TRANSLATION_WORDS, end), bytes: modules.subarray(byte, byte + length) };
    const list = into.get(index);
    if (list === undefined) into.set(index, [t]); else list.push(t);
    w = end;
    byte += length;
  }
}

function sameReads(a: CompileReads, b: CompileReads): boolean {
  return sameNumbers(a.fetches, b.fetches) && sameNumbers(a.bytes, b.bytes) && sameNumbers(a.asked, b.asked);
}

/**
 * A block unpacked from the file: its factory, translations and body taken
 * from the store when asked for. (A class: an object literal with getters
 * has V8 define each accessor in its runtime, for every block a run
 * unpacks — Lua's 4,600.)
 */
class FileStoredBlock implements StoredBlock {
  constructor(readonly reads: CompileReads, readonly ips: Int32Array, readonly pages: ArrayLike<number>, readonly length: number,
    private readonly store: FileBlockStore, private readonly placed: Placed, private readonly srcStart: number, private readonly srcEnd: number) {}

  get factory(): StoredBlock['factory'] { return this.store.factoryOf(this.placed, this.srcStart, this.srcEnd); }
  get translations(): StoredTranslation[] { return this.store.translationsAt(this.placed.index); }
  get body(): string { return bodyOf(this.placed.script.slice(this.srcStart, this.srcEnd)); }
}

/** The body of a block from its factory's source (the inverse of factorySource). */
function bodyOf(factory: string): string {
  return factory.slice(FACTORY_HEAD.length, factory.length - FACTORY_TAIL.length);
}

/**
 * Use the block cache for this run of `program` (`slot` is the command),
 * when bin/ksw runs with a code cache; returns the store, or null when off.
 */
export function useBlockCache(slot: string, program: string): FileBlockStore | null {
  const id = bundleIdentity();
  if (id === null) return null;
  const store = new FileBlockStore(blockCachePath(id, slot, program), id);
  setBlockStore(store);
  process.once('exit', () => {
    try { store.save(); } catch { /* no cache this time */ }
  });
  return store;
}
