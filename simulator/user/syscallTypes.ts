// Shapes shared by the syscall modules (process, files, …): a handler gets
// the six argument registers and returns a value, a negative errno, or
// UNSUPPORTED (the dispatcher warns once and returns -ENOSYS).

import type { Cpu } from '../cpu/cpu';

export type Args = bigint[];
export const UNSUPPORTED = Symbol('unsupported');
export type Handler = (a: Args, cpu: Cpu) => bigint | number | typeof UNSUPPORTED;
export type Register = (nr: number, h: Handler) => void;

/** A syscall argument as the kernel's `int`. */
export function int(v: bigint): number {
  return Number(BigInt.asIntN(32, v));
}
