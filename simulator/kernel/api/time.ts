// Time: ktime_get() (simulated nanoseconds since boot; 1 instruction = 1 ns)
// and the `jiffies` variable (HZ = 1000, starting at INITIAL_JIFFIES as in
// Linux, so wrap-around bugs show).
//
// jiffies is a real guest variable that modules read directly, in a
// kernel data page (KERNEL_DATA, in the top 2 GiB so -mcmodel=kernel code
// reaches it). It is brought up to date before every CPU quantum (at most
// ~2 µs stale, far below one 1 ms tick) and whenever a time function runs.
// Modules resolve it through resolveKernelSymbol() (index.ts).

import type { Machine } from '../machine';
import { PAGE_SIZE, Perm } from '../../memory/memory';
import { HZ, INITIAL_JIFFIES } from '../../sdk/abi';

/** Kernel data page: exported variables (Linux's .data follows its text at 0xffffffff82000000-ish). */
export const KERNEL_DATA = 0xffffffff82000000n;
export const JIFFIES_ADDR = KERNEL_DATA;
const NS_PER_TICK = 1e9 / HZ;

/** Exported kernel variables of this machine: name → address. */
export const KERNEL_VARIABLES: Readonly<Record<string, { address: bigint; size: number }>> = {
  jiffies: { address: JIFFIES_ADDR, size: 8 },
};

/** jiffies at simulated time `ns`. */
export function jiffiesAt(ns: number): bigint {
  return BigInt.asUintN(64, INITIAL_JIFFIES + BigInt(Math.floor(ns / NS_PER_TICK)));
}

const updaters = new WeakMap<Machine, () => void>();

/** Bring `jiffies` up to date (cheap when the tick has not changed). */
export function updateJiffies(m: Machine): void {
  updaters.get(m)?.();
}

export function registerTime(m: Machine): void {
  m.mem.map(KERNEL_DATA, PAGE_SIZE, Perm.RW);
  let last = -1n;
  const update = (): void => {
    const j = jiffiesAt(m.nowNs());
    if (j === last) return;
    last = j;
    m.mem.writeU64(JIFFIES_ADDR, j, true);
  };
  updaters.set(m, update);
  update();

  // The timer tick: before each quantum the machine runs on a CPU.
  // TODO(machine): replace with a Machine tick hook when there is one.
  const cpu = m.cpu;
  const run = cpu.run.bind(cpu);
  cpu.run = (maxInsns: number) => { update(); return run(maxInsns); };

  m.symbolizers.push((addr) => {
    for (const [name, v] of Object.entries(KERNEL_VARIABLES)) {
      if (addr >= v.address && addr < v.address + BigInt(v.size)) {
        return { symbol: `${name}+0x${(addr - v.address).toString(16)}/0x${v.size.toString(16)}` };
      }
    }
    return undefined;
  });

  m.defineHost('ktime_get', () => { update(); return BigInt(m.nowNs()); });
  // Not declared by the SDK headers (ktime_get_ns is inline there), exported for completeness.
  m.defineHost('ktime_get_real_ns', () => BigInt(m.nowNs()));
  m.defineHost('ktime_get_boottime_ns', () => BigInt(m.nowNs()));
  m.defineHost('get_jiffies_64', () => { update(); return jiffiesAt(m.nowNs()); });
}
