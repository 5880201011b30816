// pv_ops (CONFIG_PARAVIRT_XXL): the paravirt operations table that Debian's
// kernel headers make inline helpers such as local_irq_save() call through
// (`call *pv_ops+OFF(%rip)`). On bare metal Linux never calls those slots
// from a module: apply_alternatives() patches each call site with its native
// replacement (pushf;pop / cli / sti / push;popf) at load time, as
// abi/alternatives.ts does here. The table exists so the relocations
// resolve; every slot leads to an oops naming pv_ops, should a site ever be
// left unpatched.

import type { Machine } from '../machine';
import { CpuFault, Vector } from '../../cpu/faults';

/** Bytes reserved for struct paravirt_patch_template (6.1's is smaller). */
const PV_OPS_SIZE = 0x400;

class UnpatchedPvOp extends CpuFault {
  constructor() {
    super(Vector.UD, '#UD', 'call through pv_ops that .altinstructions did not patch (paravirt ops are not simulated)');
  }
}

export function registerParavirt(m: Machine): void {
  const unpatched = m.defineHost('paravirt_unpatched_op', () => { throw new UnpatchedPvOp(); });
  const pvOps = m.defineData('pv_ops', PV_OPS_SIZE);
  for (let off = 0; off < PV_OPS_SIZE; off += 8) m.mem.writeU64(pvOps + BigInt(off), unpatched, true);
}
