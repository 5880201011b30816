// Guest registers in JS locals. The emitters write generated code against
// the register file (`R[4]=a;R[5]=ah;`); this pass rewrites a block's code so
// that general-purpose register halves (R[0]..R[31]) it uses more than once
// live in locals (`g4=a;g5=ah;`) for the whole block. V8 then keeps them in
// machine registers and folds the copies between them, instead of a load and
// a store of the Int32Array per operand.
//
// The locals are loaded once at the block's entry and written back
// ("flushed") wherever anything else can observe the register file:
//   - every exit of the block and the fault handler (one shared flush at the
//     end, see compiler.ts): after a fault the locals hold exactly the state
//     at the faulting instruction, which is the architectural state;
//   - around a call out to host code (Emitter.exact: probes, syscalls, the
//     clock), which is followed by a reload because the host may change
//     registers; the call/return hooks (Emitter.stackHook) read only RIP and
//     RSP and change no register, so only RSP is flushed for them; the
//     one-operand mul/div helpers (Emitter.accumulatorCall) read and write
//     only RAX and RDX, so only those are flushed and reloaded; the string
//     instructions' helper (Emitter.stringCall) only RAX, RCX, RSI and RDI,
//     and it returns a fault rather than throwing it, so that the block
//     reloads those (advanced part way) before it throws;
//   - an "opaque" instruction, one whose code calls any other helper that may
//     read or write R (cpuid, x87…): it keeps its R-based code and
//     runs between a flush and a reload.
// The memory accessors (ld*/st*) never touch R (their slow paths only set
// trap bits), nor do the pure helpers listed below, so neither needs a flush.
//
// While an out-of-line call or opaque instruction runs, R, not the locals,
// holds the state: `v` is 0 then, and an exit or fault in that window does
// not flush stale locals over what the host wrote.

/** Marks an out-of-line host call in emitted code (Emitter.exact): flushed before, reloaded after. */
export const HOST_CALL_START = '\u0001';
export const HOST_CALL_END = '\u0002';
/** Marks a call/return hook (Emitter.stackHook): it reads RIP and RSP and writes no register. */
export const STACK_HOOK_START = '\u0003';
export const STACK_HOOK_END = '\u0004';
/** Marks a helper call that reads and writes only RAX and RDX in R (Emitter.accumulatorCall). */
export const ACCUMULATOR_START = '\u0005';
export const ACCUMULATOR_END = '\u0006';
/** Marks the string instructions' helper call: it reads and writes only RAX, RCX, RSI and RDI in R (Emitter.stringCall). */
export const STRING_START = '\u0007';
export const STRING_END = '\u0008';

/**
 * Helpers (H.*) that take their inputs as arguments and never read or write R.
 * misaligned and probeWrite16 only check a 16-byte access and throw its
 * fault: an SSE spill to the stack then costs no write-back and reload of
 * every register local around it.
 */
const PURE_HELPERS = new Set([
  'mulU64', 'mulS64', 'mulLo64', 'divU64', 'divS64', 'imulN', 'shift', 'doubleShift', 'bitScan', 'compareFlags', 'addFlags',
  'invalidOpcode', 'breakpoint', 'settleFlags', 'misaligned', 'probeWrite16', 'stringFault',
]);

const ACCUMULATOR_SLOTS = [0, 1, 4, 5];
const STRING_SLOTS = [0, 1, 2, 3, 12, 13, 14, 15];
const RSP_SLOTS = [8, 9];

/**
 * One scan finds everything the pass needs: register slots (group 1; group 2
 * when assigned, plain or compound, not compared), helper and CPU calls
 * (groups 3, 4) and the markers above.
 */
const TOKEN_RE = /\bR\[(\d+)\](\s*(?:[-+*/%&|^]|<<|>>>?)?=(?!=))?|\b([HC])\.(\w+)\(|[\u0001-\u0008]/g;
const MARKERS_RE = /[\u0001-\u0008]/g;

/** Register slots that may live in locals: the 16 GPRs (lo, hi). RIP and the segment bases stay in R. */
const LOCAL_SLOTS = 32;

export class RegisterLocals {
  /** Slots kept in locals, in first-use order. */
  private readonly slots: number[];
  /** Slot → index of the first instruction using it (-1 in a looping block: all are loaded at entry). */
  private readonly firstUse = new Map<number, number>();
  private readonly written = new Set<number>();
  private readonly opaque: boolean[];
  /** Whether any code leaves the locals stale for a while (then the flush tests `v`). */
  private readonly windows: boolean;

  /**
   * `codes`: each instruction's code. A slot is worth a local when the block
   * touches it twice or more, or at all when the block loops on itself.
   * Outside loops each local is loaded where the block first uses it, so an
   * early side exit pays only for the registers used so far.
   */
  constructor(private readonly codes: string[], private readonly loops: boolean) {
    const uses = new Map<number, number>();
    const first = new Map<number, number>();
    const writes = new Set<number>();
    let windows = false;
    this.opaque = codes.map((code, i) => {
      let opaque = false, marked = false;
      const slots: number[] = [];
      for (const m of code.matchAll(TOKEN_RE)) {
        if (m[1] !== undefined) {
          const n = Number(m[1]);
          if (n >= LOCAL_SLOTS) continue;
          slots.push(n);
          if (m[2] !== undefined) slots.push(-1 - n);
        } else if (m[3] !== undefined) {
          if (!marked && (m[3] === 'C' || !PURE_HELPERS.has(m[4]))) opaque = true;
        } else {
          marked = m[0] === HOST_CALL_START || m[0] === STACK_HOOK_START || m[0] === ACCUMULATOR_START || m[0] === STRING_START;
          if (m[0] === HOST_CALL_START) windows = true;
        }
      }
      if (opaque) { windows = true; return true; }
      for (const n of slots) {
        if (n < 0) { writes.add(-1 - n); continue; }
        uses.set(n, (uses.get(n) ?? 0) + 1);
        if (!first.has(n)) first.set(n, i);
      }
      return false;
    });
    this.windows = windows;
    this.slots = [...uses].filter(([, count]) => loops || count > 1).map(([n]) => n);
    for (const n of this.slots) {
      this.firstUse.set(n, loops ? -1 : first.get(n)!);
      if (writes.has(n)) this.written.add(n);
    }
  }

  /** Write back the written locals among `slots` already loaded by instruction `i`. */
  private store(slots: readonly number[], i: number): string {
    let s = '';
    for (const n of slots) if (this.written.has(n) && this.firstUse.get(n)! <= i) s += `R[${n}]=g${n};`;
    return s;
  }

  private load(slots: readonly number[], i: number): string {
    let s = '';
    for (const n of slots) if (this.firstUse.has(n) && this.firstUse.get(n)! <= i) s += `g${n}=R[${n}];`;
    return s;
  }

  /** The block's code, instruction by instruction, with the locals in place. */
  code(): string[] {
    return this.codes.map((code, i) => {
      const flushAll = this.store(this.slots, i), reloadAll = this.load(this.slots, i);
      if (this.opaque[i]) return `${flushAll}v=0;${code.replace(MARKERS_RE, '')}${reloadAll}v=1;`;
      let entry = '';
      if (!this.loops) for (const n of this.slots) if (this.firstUse.get(n) === i) entry += `g${n}=R[${n}];`;
      return entry + code.replace(TOKEN_RE, (all: string, n?: string, assign?: string) => {
        if (n !== undefined) return this.firstUse.has(Number(n)) ? `g${n}${assign ?? ''}` : all;
        switch (all) {
          case HOST_CALL_START: return `${flushAll}v=0;`;
          case HOST_CALL_END: return `${reloadAll}v=1;`;
          case STACK_HOOK_START: return this.store(RSP_SLOTS, i);
          case ACCUMULATOR_START: return this.store(ACCUMULATOR_SLOTS, i);
          case ACCUMULATOR_END: return this.load(ACCUMULATOR_SLOTS, i);
          case STRING_START: return this.store(STRING_SLOTS, i);
          case STRING_END: return this.load(STRING_SLOTS, i);
          case STACK_HOOK_END: return '';
          default: return all; // a call
        }
      });
    });
  }

  /** Declarations of the locals (loaded here in a looping block). */
  declarations(): string {
    let s = '';
    for (const n of this.slots) s += this.loops ? `,g${n}=R[${n}]` : `,g${n}=0`;
    return this.windows ? `${s},v=1` : s;
  }

  /**
   * Write back every local the block may have changed. `started`: an
   * expression for how many instructions have started; outside loops only
   * locals first used by those are written back (the others were never loaded).
   */
  flush(started: string): string {
    let code = '';
    if (this.loops) {
      code = this.store(this.slots, Infinity);
    } else {
      // nested by first use: if(s>2){…if(s>5){…}}
      const byFirst = [...this.written].sort((x, y) => this.firstUse.get(x)! - this.firstUse.get(y)!);
      let open = 0, at = -1;
      for (const n of byFirst) {
        const w = this.firstUse.get(n)!;
        if (w !== at) { code += `if(${started}>${w}){`; open++; at = w; }
        code += `R[${n}]=g${n};`;
      }
      code += '}'.repeat(open);
    }
    return code && this.windows ? `if(v===1){${code}}` : code;
  }
}
