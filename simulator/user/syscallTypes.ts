// Shapes shared by the syscall modules (process, files, …): a handler gets
// the six argument registers and returns a value, a negative errno, or
// UNSUPPORTED (the dispatcher warns once and returns -ENOSYS), or RESTART.

import type { Cpu } from '../cpu/cpu';

export type Args = bigint[];
export const UNSUPPORTED = Symbol('unsupported');
/** The call would block until another thread acts: the thread waits and then issues the same call again. */
export const RESTART = Symbol('restart');
export type Handler = (a: Args, cpu: Cpu) => bigint | number | typeof UNSUPPORTED | typeof RESTART;
export type Register = (nr: number, h: Handler) => void;

/** A syscall argument as the kernel's `int`. */
export function int(v: bigint): number {
  return Number(BigInt.asIntN(32, v));
}
