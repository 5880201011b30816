// The kernel_param_ops of the standard module parameter types
// (param_ops_int, param_ops_charp, …; kernel/params.c). A Kbuild module's
// __param entries point at them; the kernel reads the parameter's type from
// which one an entry points at (paramTypeAt), and sets the value itself
// (Kernel.setParam), so the ops tables are only addresses here.

import type { Machine } from '../machine';

/** module_param type → sizeof the variable. */
export const PARAM_TYPE_SIZES: Readonly<Record<string, number>> = {
  byte: 1, short: 2, ushort: 2, int: 4, uint: 4, long: 8, ulong: 8, ullong: 8, hexint: 4,
  charp: 8, bool: 1, invbool: 1,
};

/** Size of a struct kernel_param_ops (flags, set, get, free). */
const OPS_SIZE = 32;

export function registerParamOps(m: Machine): void {
  for (const type of Object.keys(PARAM_TYPE_SIZES)) m.defineData(`param_ops_${type}`, OPS_SIZE);
}

/** The parameter type whose param_ops_* is at `ops`, if any. */
export function paramTypeAt(m: Machine, ops: bigint): string | undefined {
  for (const type of Object.keys(PARAM_TYPE_SIZES)) if (m.kernelSymbol(`param_ops_${type}`) === ops) return type;
  return undefined;
}
