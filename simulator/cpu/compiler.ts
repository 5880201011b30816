// Block compiler: decodes a run of instructions starting at an address (up
// to a branch, a system instruction or a length limit), emits JavaScript for
// them (emit/*), and turns that into one function with `new Function`. V8
// then optimises each hot block like hand-written code. Decoding happens
// once per block, never on the hot path.

import { Mnemonic } from 'iced-x86';
import { FlagBit, Insn, InsnDecoder, isInvalid } from './decode';
import { Emitter } from './emit/context';
import { emitterFor } from './emit/index';
import { conditionExpr } from './emit/conditions';
import type { Memory } from '../memory/memory';
import { pageKey, Perm, PAGE_SIZE, joinAddress } from '../memory/memory';
import { PageFault } from './faults';

export interface Block {
  readonly run: () => number;
  readonly ipLo: number;
  readonly ipHi: number;
  /** Page keys the block's bytes lie on (a write to any invalidates it). */
  readonly pages: number[];
  readonly length: number;
  readonly insns: Insn[];
}

/** Everything generated code refers to by name. */
export interface CodeEnvironment {
  R: Int32Array; F: Int32Array; X: Int32Array; S: Int32Array; Q: Int32Array; T: Int32Array;
  P: Uint8Array; H: object; C: object;
}

const MAX_INSN_LENGTH = 15;

/** Flags-writing instructions that may leave flags unchanged (count 0): they do not kill liveness. */
const CONDITIONAL_FLAG_WRITERS = new Set<number>([
  Mnemonic.Shl, Mnemonic.Sal, Mnemonic.Shr, Mnemonic.Sar, Mnemonic.Rol, Mnemonic.Ror,
  Mnemonic.Rcl, Mnemonic.Rcr, Mnemonic.Shld, Mnemonic.Shrd,
]);

export class BlockCompiler {
  private readonly decoder = new InsnDecoder();
  private readonly envNames: string[];
  private readonly envValues: unknown[];

  constructor(private readonly mem: Memory, env: CodeEnvironment) {
    const m = mem;
    this.envNames = ['R', 'F', 'X', 'S', 'Q', 'T', 'P', 'H', 'C', 'ld8', 'ld16', 'ld32', 'ld64', 'st8', 'st16', 'st32', 'st64'];
    this.envValues = [env.R, env.F, env.X, env.S, env.Q, env.T, env.P, env.H, env.C,
      m.ld8, m.ld16, m.ld32, m.ld64, m.st8, m.st16, m.st32, m.st64];
  }

  /** Fetch up to 15 instruction bytes at an address, checking execute permission. */
  private fetch(lo: number, hi: number): Uint8Array {
    const page = this.mem.pageAt(lo, hi);
    if (!page) throw new PageFault(joinAddress(lo, hi), 'execute', false);
    if (!(page.perm & Perm.X)) throw new PageFault(joinAddress(lo, hi), 'execute', true);
    const offset = lo & (PAGE_SIZE - 1);
    const inPage = Math.min(MAX_INSN_LENGTH, PAGE_SIZE - offset);
    const bytes = new Uint8Array(MAX_INSN_LENGTH);
    bytes.set(this.mem.u8.subarray(page.frame + offset, page.frame + offset + inPage));
    if (inPage < MAX_INSN_LENGTH) {
      const nextLo = (lo + inPage) | 0;
      const nextHi = (hi + ((lo >>> 0) + inPage > 0xffffffff ? 1 : 0)) | 0;
      const next = this.mem.pageAt(nextLo, nextHi);
      if (next && (next.perm & Perm.X)) {
        bytes.set(this.mem.u8.subarray(next.frame, next.frame + MAX_INSN_LENGTH - inPage), inPage);
      } else {
        return bytes.subarray(0, inPage);
      }
    }
    return bytes;
  }

  compile(lo: number, hi: number, maxInsns: number): Block {
    const insns: Insn[] = [];
    const pages = new Set<number>();
    let ipLo = lo, ipHi = hi;
    let unsupported: string | null = null;
    while (insns.length < maxInsns) {
      let bytes: Uint8Array;
      try {
        bytes = this.fetch(ipLo, ipHi);
      } catch (e) {
        if (insns.length === 0) throw e;
        break; // fault when execution actually gets there
      }
      const d = this.decoder.decode(bytes, ipLo, ipHi);
      if (isInvalid(d)) {
        if (d.invalid.startsWith('(truncated)') && insns.length === 0) {
          // the instruction runs into an unmapped/non-executable page
          throw new PageFault(joinAddress(ipLo + bytes.length, ipHi), 'execute', false);
        }
        if (insns.length > 0) break;
        unsupported = d.invalid;
        break;
      }
      pages.add(pageKey(d.ipLo, d.ipHi));
      pages.add(pageKey((d.ipLo + d.length - 1) | 0, d.ipHi));
      insns.push(d);
      if (!emitterFor(d) || endsBlock(d)) break;
      ipLo = d.nextLo; ipHi = d.nextHi;
    }
    const live = liveness(insns);
    const e = new Emitter();
    const ips: number[] = [];
    for (let i = 0; i < insns.length; i++) {
      const insn = insns[i];
      ips.push(insn.ipLo, insn.ipHi);
      e.emit(`k=${i};`);
      const emitFn = emitterFor(insn);
      const mark = e.out.length;
      if (i === insns.length - 1 && isSelfLoop(insn, lo, hi)) {
        emitLoopBack(e, insn, insns.length, lo, hi);
        break;
      }
      let ok = emitFn !== undefined;
      if (emitFn) {
        e.begin(insn, i, live[i]);
        try { emitFn(e); } catch { ok = false; }
      }
      if (!ok) {
        e.out.length = mark;
        e.emit(`throw H.invalidOpcode(${JSON.stringify(insn.text)},${insn.ipLo},${insn.ipHi});`);
        break;
      }
      if (e.endsBlock) { e.emit(`return ${i + 1};`); break; }
      if (e.stores) e.emit(`if(T[0]!==0){R[32]=${insn.nextLo};R[33]=${insn.nextHi};return ${i + 1};}`);
      if (i === insns.length - 1) e.emit(`R[32]=${insn.nextLo};R[33]=${insn.nextHi};return ${i + 1};`);
    }
    if (unsupported !== null) {
      ips.push(lo, hi);
      e.emit(`k=0;throw H.invalidOpcode(${JSON.stringify(unsupported)},${lo},${hi});`);
      pages.add(pageKey(lo, hi));
    }
    // `base` counts instructions of earlier iterations when the block loops on itself.
    const code = e.out.join('\n').replace(/return (\d+|k);/g, 'return base+$1;');
    const loop = insns.length > 0 && isSelfLoop(insns[insns.length - 1], lo, hi);
    const body = 'let k=0,ml=0,mh=0,a=0,ah=0,b=0,bh=0,r=0,rh=0,t=0,u=0,base=0,it=0;' +
      `try{${loop ? `for(;;){${code}}` : code}}catch(err){C.blockFault(err,IPS[2*k],IPS[2*k+1]);return base+k;}`;
    const factory = new Function(...this.envNames, 'IPS', `return function block(){${body}};`);
    const run = factory(...this.envValues, Int32Array.from(ips)) as () => number;
    return { run, ipLo: lo, ipHi: hi, pages: [...pages], length: insns.length, insns };
  }
}

/** Iterations a self-looping block runs before returning to the dispatcher (bounds budget overshoot). */
const LOOP_INSN_LIMIT = 8192;

/** A direct jmp/jcc back to the block's own first instruction. */
function isSelfLoop(i: Insn, lo: number, hi: number): boolean {
  const direct = i.mnemonic === Mnemonic.Jmp ? i.ops.length === 0 : i.cc !== 0 && i.targetLo !== 0 && i.flowControl === 3 /* ConditionalBranch */;
  return direct && i.targetLo === lo && i.targetHi === hi && i.mnemonic !== Mnemonic.Loop &&
    i.mnemonic !== Mnemonic.Loope && i.mnemonic !== Mnemonic.Loopne && i.mnemonic !== Mnemonic.Jrcxz;
}

/** The closing branch of a self-looping block: continue the JS loop instead of returning. */
function emitLoopBack(e: Emitter, insn: Insn, n: number, lo: number, hi: number): void {
  const limit = Math.max(1, Math.floor(LOOP_INSN_LIMIT / n));
  const again = `if(++it<${limit}){base+=${n};continue;}R[32]=${lo};R[33]=${hi};return ${n};`;
  if (insn.mnemonic === Mnemonic.Jmp) { e.emit(again); return; }
  e.emit(`if${conditionExpr(insn.cc)}{${again}}R[32]=${insn.nextLo};R[33]=${insn.nextHi};return ${n};`);
}

function endsBlock(i: Insn): boolean {
  return i.mnemonic === Mnemonic.Syscall || i.mnemonic === Mnemonic.Hlt || i.mnemonic === Mnemonic.Int3 ||
    i.mnemonic === Mnemonic.Ud2 || i.flowControl !== 0 /* FlowControl.Next */;
}

/** For each instruction, the flags that some later instruction (or the block's successor) may read. */
function liveness(insns: Insn[]): number[] {
  const result = new Array<number>(insns.length);
  let live: number = FlagBit.ALL;
  for (let i = insns.length - 1; i >= 0; i--) {
    const insn = insns[i];
    result[i] = live;
    const kills = CONDITIONAL_FLAG_WRITERS.has(insn.mnemonic) ? 0 : insn.flagsWritten;
    live = (live & ~kills) | insn.flagsRead;
  }
  return result;
}
