// A store of generated block code that outlives the process (the CLI keeps
// one per program in the user's cache directory: cli/blockCache.ts). Most of
// a short run's start-up is compiling code that runs once — decoding it,
// generating JavaScript and having V8 parse that — so a run of the same
// program again takes each block's code from the store instead, already
// compiled by V8 (its code cache).
//
// A block's code depends only on what its compile read from outside the
// compiler: the instruction bytes fetched (the block's own and those looked
// at for flag liveness), and the kernel's answers about host functions and
// probes. The compiler records all of it (CompileReads), and takes a stored
// block only when the same reads now give the same answers — so a block
// from the store is the very block a compile would make, and changed code
// is never run stale. Blocks whose compile met a host function or a probe
// are not stored (they are cheap, and depend on kernel state).

/** What one compile read, in order: each fetch's outcome, and the hook questions asked. */
export interface CompileReads {
  /** Per fetch: lo, hi and how many bytes it returned (-1: it faulted). */
  readonly fetches: ArrayLike<number>;
  /** The fetched bytes, all fetches in order. */
  readonly bytes: ArrayLike<number>;
  /** Per hook question: lo, hi, and which hook (HookQuestion); every answer was "none". */
  readonly asked: ArrayLike<number>;
}

export const enum HookQuestion { HostFunction = 0, Probe = 1 }

/** A block's code as the compiler made it, ready to store. */
export interface BlockCode {
  readonly reads: CompileReads;
  /** The body of `function block(){…}` (see compiler.ts). */
  readonly body: string;
  /** Instruction addresses (lo, hi pairs) the body indexes as IPS. */
  readonly ips: ArrayLike<number>;
  readonly pages: ArrayLike<number>;
  /** Instructions in the block. */
  readonly length: number;
  /** Its wasm tier translations (cpu/wasm/tier.ts), made in this run or an earlier one. */
  readonly translations?: readonly StoredTranslation[];
}

/**
 * What the wasm tier made of a block, kept with it so a later run neither
 * decodes nor translates it again: the function's bytes (translate.ts) for the memory layout
 * they were made for (its addresses are constants in the code: one per
 * CPU), or no bytes — the tier leaves the block to JS, whatever the layout.
 */
export interface StoredTranslation {
  /** The layout's words (WasmTier's layout, in its own order). */
  readonly layout: ArrayLike<number>;
  readonly bytes: Uint8Array;
}

/** A block from the store: its code and a factory already compiled from it. */
export interface StoredBlock extends BlockCode {
  /** The factory `new Function(...envNames, 'IPS', …)` would have made of the body. */
  readonly factory: (...envAndIps: unknown[]) => () => number;
}

/** What a compile's result depends on besides its reads: the key a block is stored under. */
export interface BlockKey { lo: number; hi: number; maxInsns: number; trace: boolean; hooked: boolean }

export function blockKey(k: BlockKey): string {
  return `${k.lo}:${k.hi}:${k.maxInsns}:${k.trace ? 't' : 'b'}:${k.hooked ? 'h' : '-'}`;
}

export function parseBlockKey(key: string): BlockKey {
  const [lo, hi, maxInsns, trace, hooked] = key.split(':');
  return { lo: Number(lo), hi: Number(hi), maxInsns: Number(maxInsns), trace: trace === 't', hooked: hooked === 'h' };
}

export interface BlockStore {
  /**
   * The stored blocks for a compile key, oldest first (the compiler takes
   * the first whose reads agree). A key has several when its code differs
   * between runs or within one (a probe's int3 in the bytes looked at).
   */
  get(key: string): readonly StoredBlock[];
  /** Whether any block is stored under the key (without unpacking it). */
  has(key: string): boolean;
  /** Traces (BlockKey.trace, more than one instruction) stored by earlier runs. */
  readonly traces: number;
  /** A block compiled now, because none stored under the key agreed. */
  put(key: string, code: BlockCode): void;
  /** A translation made now of a block from the store or just put into it (kept when the block is). */
  addTranslation(code: BlockCode, translation: StoredTranslation): void;
  /**
   * Every stored function (StoredTranslation.bytes, the same objects) made
   * for this layout, in the store's order: the wasm tier makes modules of
   * them ahead of their blocks (wasm/storedModules.ts).
   */
  functionsFor(layout: ArrayLike<number>): readonly Uint8Array[];
}

/**
 * The names generated code refers to (CodeEnvironment, the memory accessors,
 * then the read TLB and physical memory for the loads' inline hit path,
 * emit/loads.ts): a factory's parameters before IPS.
 */
export const ENV_NAMES: readonly string[] = ['R', 'F', 'X', 'S', 'Q', 'T', 'P', 'H', 'C', 'ld8', 'ld16', 'ld32', 'ld64', 'st8', 'st16', 'st32', 'st64',
  'TRA', 'TRB', 'TRX', 'DV'];

/** What comes before and after a block's body in its factory's source (factorySource). */
export const FACTORY_HEAD = `function(${ENV_NAMES.join(',')},IPS){return (function block(){\n`;
export const FACTORY_TAIL = '});}';

/**
 * The JavaScript of a block's factory, as one function expression: what
 * `new Function(...ENV_NAMES, 'IPS', …)` makes of the body (compiler.ts).
 * Not parenthesized: in a script of many, V8 compiles each only when its
 * block is first made.
 */
export function factorySource(body: string): string {
  return FACTORY_HEAD + body + FACTORY_TAIL;
}

/** Same numbers, in the same order (reads, layouts). */
export function sameNumbers(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

let current: BlockStore | null = null;

/** Use a store from now on (null: none), for every CPU's compiler. The CLI sets it before a run. */
export function setBlockStore(store: BlockStore | null): void {
  current = store;
}

export function blockStore(): BlockStore | null {
  return current;
}
