// kprobes: a probe at symbol+offset writes int3 into the guest text. When
// the CPU compiles code containing an armed probe's int3, it calls the
// pre-handler, runs the saved original instruction at its own address (the
// effect of the kernel's single-step out of line) and then the
// post-handler. Several probes may share an address (an aggregate probe).

import { Mnemonic } from 'iced-x86';
import { InsnDecoder, isInvalid } from '../cpu/decode';
import { splitAddress, joinAddress } from '../memory/memory';
import { TrapBit } from '../cpu/trap';
import type { Machine } from './machine';
import type { Task } from './task';
import { UserError } from '../errors/userError';

export type ProbeHandler = (m: Machine, task: Task) => void;

export interface Kprobe {
  readonly address: bigint;
  readonly pre?: ProbeHandler;
  readonly post?: ProbeHandler;
}

interface ProbeSite {
  id: number;
  address: bigint;
  original: Uint8Array;
  probes: Kprobe[];
}

export class KprobeError extends UserError {
  constructor(readonly errno: string, message: string) {
    super(message);
  }
}

export class Kprobes {
  private readonly sites = new Map<bigint, ProbeSite>();
  private readonly byId: ProbeSite[] = [];
  private readonly decoder = new InsnDecoder();
  /** Probe hits so far (entry statistics for benchmarks and the UI). */
  hits = 0;

  constructor(private readonly m: Machine) {
    m.hooks.set('probeLookup', (lo, hi) => {
      const site = this.sites.get(joinAddress(lo, hi));
      return site ? { id: site.id, original: site.original } : null;
    });
    m.cpu.onProbe = (id, post) => this.dispatch(id, post);
  }

  /**
   * Decode from a function's start to check that `address` is an
   * instruction boundary (the kernel answers -EILSEQ otherwise); returns the
   * length of the instruction there.
   */
  instructionAt(fnStart: bigint, fnSize: number, address: bigint): number {
    let pc = fnStart;
    const end = fnStart + BigInt(fnSize);
    while (pc < end) {
      const bytes = this.originalBytes(pc, 15);
      const [lo, hi] = splitAddress(pc);
      const d = this.decoder.decode(bytes, lo, hi);
      if (isInvalid(d)) break;
      if (pc === address) return d.length;
      pc += BigInt(d.length);
      if (pc > address) break;
    }
    throw new KprobeError('EILSEQ', `offset 0x${(address - fnStart).toString(16)} is not an instruction boundary`);
  }

  /**
   * Arm a probe; `fnStart`/`fnSize` delimit the function it lies in. With
   * `first`, its handlers run before those of probes already at the address
   * (a debugger breakpoint, whose pre-handler may stop the machine there).
   */
  register(probe: Kprobe, fnStart: bigint, fnSize: number, opts: { first?: boolean } = {}): void {
    let site = this.sites.get(probe.address);
    if (!site) {
      const length = this.instructionAt(fnStart, fnSize, probe.address);
      const original = this.m.mem.read(probe.address, length, true);
      const [lo, hi] = splitAddress(probe.address);
      const d = this.decoder.decode(original, lo, hi);
      if (!isInvalid(d) && (d.mnemonic === Mnemonic.Int3)) {
        throw new KprobeError('EINVAL', 'cannot probe an int3');
      }
      site = { id: this.byId.length, address: probe.address, original, probes: [] };
      this.byId.push(site);
      this.sites.set(probe.address, site);
      this.m.mem.write(probe.address, Uint8Array.of(0xcc), true); // invalidates compiled code there
    }
    if (opts.first) site.probes.unshift(probe); else site.probes.push(probe);
  }

  unregister(probe: Kprobe): void {
    const site = this.sites.get(probe.address);
    if (!site) return;
    site.probes = site.probes.filter((p) => p !== probe);
    if (site.probes.length === 0) {
      this.sites.delete(probe.address);
      this.m.mem.write(probe.address, site.original.subarray(0, 1), true);
    }
  }

  /** Guest bytes as they were before any probe's int3 (for decoding and disassembly). */
  originalBytes(addr: bigint, length: number): Uint8Array {
    const bytes = this.m.mem.read(addr, length, true);
    for (const [a, site] of this.sites) {
      const off = Number(a - addr);
      if (off >= 0 && off < length) bytes[off] = site.original[0];
    }
    return bytes;
  }

  private dispatch(id: number, post: boolean): void {
    const site = this.byId[id];
    if (!site || site.probes.length === 0) return;
    if (!post) this.hits++;
    const task = this.m.currentTask;
    for (const p of site.probes) {
      const h = post ? p.post : p.pre;
      if (h) h(this.m, task);
      // A pre-handler that stopped the machine stops it before the instruction; the
      // remaining pre-handlers run when the instruction is executed after all.
      if (!post && (this.m.cpu.trap[0] & TrapBit.STOP) !== 0) return;
    }
  }
}
