// String instruction emitters: call the string helper; if it stopped early
// for a pending trap, RIP stays on the instruction so it resumes later.

import { Mnemonic } from 'iced-x86';
import { Emitter } from './context';
import { EmitTable } from './table';
import { RepKind, StringKind, StringResult } from '../helpers/string';

function stringInsn(e: Emitter, kind: StringKind): void {
  const i = e.insn;
  const compares = kind === StringKind.CMPS || kind === StringKind.SCAS;
  const rep = i.repne ? RepKind.REPNE : i.rep ? RepKind.REPE : RepKind.NONE;
  // `rep` on movs/stos/lods is plain repetition (iced reports it as rep).
  const repKind = !compares && rep !== RepKind.NONE ? RepKind.REPE : rep;
  e.emit(`C.trapInsnLo=${i.ipLo};C.trapInsnHi=${i.ipHi};${e.stringCall(`t=H.stringOp(${kind},${i.opSize},${repKind},${i.addr32});`)}` +
    `if(t!==${StringResult.DONE}){if(t===${StringResult.FAULT})throw H.stringFault();R[32]=${i.ipLo};R[33]=${i.ipHi};return k;}`);
  if (kind === StringKind.MOVS || kind === StringKind.STOS) e.stores = true;
}

export const stringEmitters: EmitTable = {
  [Mnemonic.Movsb]: (e) => stringInsn(e, StringKind.MOVS),
  [Mnemonic.Movsw]: (e) => stringInsn(e, StringKind.MOVS),
  [Mnemonic.Movsd]: (e) => stringInsn(e, StringKind.MOVS),
  [Mnemonic.Movsq]: (e) => stringInsn(e, StringKind.MOVS),
  [Mnemonic.Stosb]: (e) => stringInsn(e, StringKind.STOS),
  [Mnemonic.Stosw]: (e) => stringInsn(e, StringKind.STOS),
  [Mnemonic.Stosd]: (e) => stringInsn(e, StringKind.STOS),
  [Mnemonic.Stosq]: (e) => stringInsn(e, StringKind.STOS),
  [Mnemonic.Lodsb]: (e) => stringInsn(e, StringKind.LODS),
  [Mnemonic.Lodsw]: (e) => stringInsn(e, StringKind.LODS),
  [Mnemonic.Lodsd]: (e) => stringInsn(e, StringKind.LODS),
  [Mnemonic.Lodsq]: (e) => stringInsn(e, StringKind.LODS),
  [Mnemonic.Cmpsb]: (e) => stringInsn(e, StringKind.CMPS),
  [Mnemonic.Cmpsw]: (e) => stringInsn(e, StringKind.CMPS),
  [Mnemonic.Cmpsd]: (e) => stringInsn(e, StringKind.CMPS),
  [Mnemonic.Cmpsq]: (e) => stringInsn(e, StringKind.CMPS),
  [Mnemonic.Scasb]: (e) => stringInsn(e, StringKind.SCAS),
  [Mnemonic.Scasw]: (e) => stringInsn(e, StringKind.SCAS),
  [Mnemonic.Scasd]: (e) => stringInsn(e, StringKind.SCAS),
  [Mnemonic.Scasq]: (e) => stringInsn(e, StringKind.SCAS),
};
