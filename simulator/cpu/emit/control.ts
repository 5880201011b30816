// Control flow and system instructions: jmp jcc call ret loop jrcxz,
// syscall, int3, ud2, hlt, cpuid, rdtsc, nops and fences.

import { Mnemonic } from 'iced-x86';
import { Emitter } from './context';
import { EmitTable } from './table';
import { OpKind } from '../decode';
import { push64, pop64 } from './stack';
import { TrapBit } from '../trap';

function leave(e: Emitter, code: string): void {
  e.emit(code);
  e.endsBlock = true;
}

function jmp(e: Emitter): void {
  const i = e.insn;
  if (i.ops.length === 0) { leave(e, e.jumpTo(i.targetLo, i.targetHi)); return; }
  e.load(i.ops[0], 'a', 'ah', 8);
  leave(e, 'R[32]=a;R[33]=ah;');
}

function jcc(e: Emitter): void {
  const i = e.insn;
  leave(e, `if${e.condition()}{${e.jumpTo(i.targetLo, i.targetHi)}}else{${e.jumpTo(i.nextLo, i.nextHi)}}`);
}

function call(e: Emitter): void {
  const i = e.insn;
  if (i.ops.length === 0) {
    push64(e, String(i.nextLo), String(i.nextHi));
    leave(e, `${e.jumpTo(i.targetLo, i.targetHi)}if(C.onCall!==null){${e.stackHook(e.index + 1, `C.onCall(${i.nextLo},${i.nextHi})`)}}`);
    return;
  }
  e.load(i.ops[0], 'b', 'bh', 8);
  push64(e, String(i.nextLo), String(i.nextHi));
  leave(e, `R[32]=b;R[33]=bh;if(C.onCall!==null){${e.stackHook(e.index + 1, `C.onCall(${i.nextLo},${i.nextHi})`)}}`);
}

function ret(e: Emitter): void {
  const i = e.insn;
  const extra = i.ops.length > 0 && i.ops[0].kind === OpKind.Imm ? i.ops[0].lo & 0xffff : 0;
  pop64(e, extra);
  leave(e, `R[32]=a;R[33]=ah;if(C.onRet!==null){${e.stackHook(e.index + 1, 'C.onRet()')}}`);
}

/** loop/loope/loopne/jrcxz: RCX-based branches (64-bit address size). */
function rcxBranch(e: Emitter, cond: string, decrement: boolean): void {
  const i = e.insn;
  if (decrement) e.emit('t=(R[2]>>>0)-1;R[2]=t|0;R[3]=(R[3]-(t<0?1:0))|0;');
  leave(e, `if(${cond}){${e.jumpTo(i.targetLo, i.targetHi)}}else{${e.jumpTo(i.nextLo, i.nextHi)}}`);
}

/** End the block after this instruction with RIP at the next one and a trap bit set. */
function stopAfter(e: Emitter, bit: TrapBit, before = ''): void {
  leave(e, `${before}${e.jumpTo(e.insn.nextLo, e.insn.nextHi)}T[0]|=${bit};`);
}

export const controlEmitters: EmitTable = {
  [Mnemonic.Jmp]: jmp,
  [Mnemonic.Jo]: jcc, [Mnemonic.Jno]: jcc, [Mnemonic.Jb]: jcc, [Mnemonic.Jae]: jcc,
  [Mnemonic.Je]: jcc, [Mnemonic.Jne]: jcc, [Mnemonic.Jbe]: jcc, [Mnemonic.Ja]: jcc,
  [Mnemonic.Js]: jcc, [Mnemonic.Jns]: jcc, [Mnemonic.Jp]: jcc, [Mnemonic.Jnp]: jcc,
  [Mnemonic.Jl]: jcc, [Mnemonic.Jge]: jcc, [Mnemonic.Jle]: jcc, [Mnemonic.Jg]: jcc,
  [Mnemonic.Call]: call,
  [Mnemonic.Ret]: ret,
  [Mnemonic.Loop]: (e) => rcxBranch(e, '(R[2]|R[3])!==0', true),
  [Mnemonic.Loope]: (e) => rcxBranch(e, '(R[2]|R[3])!==0&&F[3]!==0', true),
  [Mnemonic.Loopne]: (e) => rcxBranch(e, '(R[2]|R[3])!==0&&F[3]===0', true),
  [Mnemonic.Jrcxz]: (e) => rcxBranch(e, '(R[2]|R[3])===0', false),
  [Mnemonic.Jecxz]: (e) => rcxBranch(e, 'R[2]===0', false),
  // syscall: RCX = return address, R11 = RFLAGS, then the OS handler runs.
  [Mnemonic.Syscall]: (e) => leave(e,
    `R[2]=${e.insn.nextLo};R[3]=${e.insn.nextHi};R[22]=C.getRflags();R[23]=0;${e.jumpTo(e.insn.nextLo, e.insn.nextHi)}${e.exact(e.index + 1, 'C.syscall()')}`),
  [Mnemonic.Hlt]: (e) => stopAfter(e, TrapBit.HALT),
  [Mnemonic.Int3]: (e) => e.emit('throw H.breakpoint();'),
  [Mnemonic.Ud2]: (e) => e.emit(`throw H.invalidOpcode(${JSON.stringify(e.insn.text)},${e.insn.ipLo},${e.insn.ipHi});`),
  [Mnemonic.Cpuid]: (e) => e.emit('H.cpuid(R);'),
  [Mnemonic.Rdtsc]: (e) => e.emit(`${e.exact(e.index, 't=C.clock()')}R[0]=t|0;R[1]=0;R[4]=(t/4294967296)|0;R[5]=0;`),
  [Mnemonic.Rdtscp]: (e) => e.emit(`${e.exact(e.index, 't=C.clock()')}R[0]=t|0;R[1]=0;R[4]=(t/4294967296)|0;R[5]=0;R[2]=C.cpuNumber;R[3]=0;`),
  [Mnemonic.Nop]: () => undefined,
  [Mnemonic.Endbr64]: () => undefined,
  [Mnemonic.Pause]: () => undefined,
  [Mnemonic.Lfence]: () => undefined,
  [Mnemonic.Mfence]: () => undefined,
  [Mnemonic.Sfence]: () => undefined,
  [Mnemonic.Clflush]: () => undefined,
  [Mnemonic.Clflushopt]: () => undefined,
  [Mnemonic.Prefetchnta]: () => undefined,
  [Mnemonic.Prefetcht0]: () => undefined,
  [Mnemonic.Prefetcht1]: () => undefined,
  [Mnemonic.Prefetcht2]: () => undefined,
  [Mnemonic.Prefetchw]: () => undefined,
};
