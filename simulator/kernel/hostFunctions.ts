// Kernel functions implemented on the host. Each gets a 16-byte entry stub
// in kernel text (filled with `ret` bytes so a disassembly reads sensibly);
// the CPU compiles a call to that address into a call of the host function
// (CodeHooks.hostFunctionAt). Guests call them with the SysV ABI like any
// other function; module relocations resolve against this table.

import { HOST_STUB_SIZE, KERNEL_TEXT, KERNEL_TEXT_SIZE } from './layout';

/** A host function's result: the value for RAX, or NO_RETURN when it does not return now. */
export const NO_RETURN = Symbol('no-return');
export type HostResult = bigint | number | boolean | void | typeof NO_RETURN;

export interface HostFunction {
  readonly name: string;
  readonly address: bigint;
  readonly index: number;
  readonly impl: () => HostResult;
}

export class HostFunctionTable {
  private readonly byName = new Map<string, HostFunction>();
  readonly list: HostFunction[] = [];
  private readonly indexByLo = new Map<number, number>();

  add(name: string, impl: () => HostResult): bigint {
    const existing = this.byName.get(name);
    if (existing) throw new Error(`host function ${name} defined twice`);
    const index = this.list.length;
    const address = KERNEL_TEXT + BigInt(index * HOST_STUB_SIZE);
    if (index * HOST_STUB_SIZE >= KERNEL_TEXT_SIZE / 2) throw new Error('kernel text full');
    const f = { name, address, index, impl };
    this.list.push(f);
    this.byName.set(name, f);
    this.indexByLo.set(Number(address & 0xffffffffn) | 0, index);
    return address;
  }

  resolve(name: string): bigint | undefined {
    return this.byName.get(name)?.address;
  }

  get(name: string): HostFunction | undefined {
    return this.byName.get(name);
  }

  /** Index of the host function whose entry is exactly at (lo, hi), or −1. */
  indexAt(lo: number, hi: number): number {
    if (hi !== -1) return -1; // kernel text is in the top 2 GiB
    return this.indexByLo.get(lo) ?? -1;
  }

  /** Host function containing an address (for symbolization), if any. */
  containing(addr: bigint): { fn: HostFunction; offset: number } | undefined {
    if (addr < KERNEL_TEXT) return undefined;
    const index = Number((addr - KERNEL_TEXT) / BigInt(HOST_STUB_SIZE));
    const fn = this.list[index];
    return fn ? { fn, offset: Number(addr - fn.address) } : undefined;
  }
}
