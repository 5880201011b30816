// Time: ktime_get() (simulated nanoseconds since boot; 1 instruction = 1 ns)
// and the `jiffies` variable (Machine.hz ticks a second: the SDK's 1000, or
// the CONFIG_HZ a Kbuild module was built with; starting at INITIAL_JIFFIES
// as in Linux, -300 s worth of ticks, so wrap-around bugs show).
//
// jiffies is a real guest variable that modules read directly. It is
// brought up to date before every CPU quantum (at most ~2 µs stale, far
// below one tick) and whenever a time function runs.
//
// Module code reaches kernel variables with 32-bit relocations
// (-mcmodel=kernel), so they must live in the top 2 GiB. The variable is
// defined with Machine.defineData when that places it there; otherwise it
// goes in a kernel data page of its own (KERNEL_DATA) and is added to the
// machine's symbol lookup (Machine.kernelSymbol).

import type { Machine } from '../machine';
import { PAGE_SIZE, Perm } from '../../memory/memory';
import { KERNEL_EXPORT_MIN } from '../../sdk/abi';
import { beforeQuantum } from './hooks';

/** Kernel data page for exported variables when Machine.defineData cannot place them within reach. */
export const KERNEL_DATA = 0xffffffff82000000n;

/** Ticks since boot at simulated time `ns` (jiffies less INITIAL_JIFFIES). */
export function ticksAt(m: Machine, ns: number): number {
  return Math.floor(ns * m.hz / 1e9);
}

/** The simulated time at which tick `tick` (counted from boot) begins. */
export function tickStartNs(m: Machine, tick: number): number {
  return Math.ceil(tick * 1e9 / m.hz);
}

/** The simulated time `j` jiffies after the start of the current tick (the jiffy boundary a timer of `j` fires at). */
export function jiffiesFromNowNs(m: Machine, now: number, j: number): number {
  return tickStartNs(m, ticksAt(m, now) + j);
}

/** Linux's INITIAL_JIFFIES at `hz`: 300 seconds before the 32-bit wrap. */
export function initialJiffies(hz: number): bigint {
  return BigInt.asUintN(32, BigInt(-300 * hz));
}

/** jiffies at simulated time `ns`. */
export function jiffiesAt(m: Machine, ns: number): bigint {
  return BigInt.asUintN(64, initialJiffies(m.hz) + BigInt(ticksAt(m, ns)));
}

const updaters = new WeakMap<Machine, () => void>();

/** Bring `jiffies` up to date (cheap when the tick has not changed; also after Machine.hz changes). */
export function updateJiffies(m: Machine): void {
  updaters.get(m)?.();
}

/** Define an exported kernel variable of `size` bytes that module code can reach. */
function defineVariable(m: Machine, name: string, size: number): bigint {
  const addr = m.defineData(name, size);
  if (addr >= KERNEL_EXPORT_MIN) return addr;
  // Out of reach of R_X86_64_PC32/32S from the module area: use our own page.
  // TODO(machine): drop this once defineData allocates in the top 2 GiB.
  if (!m.mem.isMapped(KERNEL_DATA)) m.mem.map(KERNEL_DATA, PAGE_SIZE, Perm.RW);
  const own = KERNEL_DATA;
  m.defineDataAt(name, own);
  m.symbolizers.push((a) => (a >= own && a < own + BigInt(size)
    ? { symbol: `${name}+0x${(a - own).toString(16)}/0x${size.toString(16)}` } : undefined));
  return own;
}

export function registerTime(m: Machine): void {
  const jiffies = defineVariable(m, 'jiffies', 8);
  const jiffiesShown = m.keep('time', { last: -1n });
  const update = (): void => {
    const j = jiffiesAt(m, m.nowNs());
    if (j === jiffiesShown.last) return;
    jiffiesShown.last = j;
    m.mem.writeU64(jiffies, j, true);
  };
  updaters.set(m, update);
  update();
  beforeQuantum(m, update); // the timer tick

  m.defineHost('ktime_get', () => { update(); return BigInt(m.nowNs()); });
  // Not declared by the SDK headers (ktime_get_ns is inline there); exported for completeness.
  m.defineHost('ktime_get_real_ns', () => BigInt(m.nowNs()));
  m.defineHost('ktime_get_boottime_ns', () => BigInt(m.nowNs()));
  m.defineHost('get_jiffies_64', () => { update(); return jiffiesAt(m, m.nowNs()); });
}
