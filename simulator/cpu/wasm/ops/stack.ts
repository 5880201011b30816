// The wasm tier's stack instructions: push and pop of 64-bit values, leave.
// Stores go through the write TLB like any other (memoryOps.ts), so a push
// onto a watched stack slot traps exactly as the JS tier's does.

import { Mnemonic } from 'iced-x86';
import { OpKind } from '../../decode';
import { Gpr } from '../../registers';
import { Op } from '../encoder';
import { Unsupported } from '../context';
import type { WasmOpTable } from './table';

export const stackOps: WasmOpTable = {
  [Mnemonic.Push]: (t, d) => {
    if (d.opSize !== 8) throw new Unsupported(); // (push of 16 bits: rare, left to JS)
    t.read(d.ops[0], 8); t.c.set(t.v);
    t.push();
  },
  [Mnemonic.Pop]: (t, d) => {
    if (d.opSize !== 8 || d.ops[0].kind !== OpKind.Reg) throw new Unsupported();
    t.pop(t.tb);
    t.c.get(t.tb); t.writeReg(d.ops[0]); // (pop rsp: the popped value wins over the increment)
  },
  [Mnemonic.Leave]: (t) => {
    // RSP = RBP + 8, RBP = [RBP]: the load first, so a fault leaves both as they were
    const c = t.c, rbp = t.reg(Gpr.RBP), rsp = t.reg(Gpr.RSP);
    c.get(rbp); t.load(8); c.set(t.tb);
    c.get(rbp).i64(8, 0).op(Op.I64Add).set(rsp);
    c.get(t.tb).set(rbp);
    t.written.add(Gpr.RSP); t.written.add(Gpr.RBP);
  },
};
