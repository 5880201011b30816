// Simulator side: a tiny loader for the static no-libc harness executables,
// depending only on the documented Memory/Cpu API. It maps the PT_LOAD
// segments, gives the program a stack, and implements the two syscalls the
// harness uses (write, exit). When a case faults, the fault is recorded
// against the case being run and execution resumes at the harness's `resume`
// label, so one broken instruction doesn't hide the results of the others.

import { Cpu } from '../../simulator/cpu/cpu';
import { CpuFault } from '../../simulator/cpu/faults';
import { Gpr } from '../../simulator/cpu/registers';
import { Memory, Perm } from '../../simulator/memory/memory';
import { ElfImage } from './elf';

const PAGE = 4096n;
const STACK_TOP = 0x7ffffff00000n;
const STACK_SIZE = 0x10000;
const SYS_WRITE = 1;
const SYS_EXIT = 60;
const SYS_EXIT_GROUP = 231;

export interface LoadedProgram {
  cpu: Cpu;
  mem: Memory;
  /** Bytes written to fds 1 and 2. */
  stdout: Uint8Array[];
  exitCode: number | null;
}

/** Map `elf` into a fresh Memory and set up a CPU at its entry point. */
export function loadProgram(elf: ElfImage): LoadedProgram {
  const mem = new Memory(256 << 20);
  // Several segments may share a page: give each page the union of their permissions.
  const pagePerm = new Map<bigint, number>();
  for (const seg of elf.segments) {
    const perm = (seg.readable ? Perm.R : 0) | (seg.writable ? Perm.W : 0) | (seg.executable ? Perm.X : 0);
    for (let p = seg.vaddr & ~(PAGE - 1n); p < seg.vaddr + BigInt(seg.memsz); p += PAGE) {
      pagePerm.set(p, (pagePerm.get(p) ?? 0) | perm);
    }
  }
  for (const [page, perm] of pagePerm) mem.map(page, Number(PAGE), perm);
  for (const seg of elf.segments) mem.write(seg.vaddr, seg.data, true);
  mem.map(STACK_TOP - BigInt(STACK_SIZE), STACK_SIZE, Perm.RW);

  const cpu = new Cpu(mem);
  cpu.rip = elf.entry;
  cpu.setReg(Gpr.RSP, STACK_TOP - 64n);
  const program: LoadedProgram = { cpu, mem, stdout: [], exitCode: null };
  cpu.onSyscall = (c) => {
    const nr = Number(c.getReg(Gpr.RAX));
    if (nr === SYS_WRITE) {
      const fd = Number(c.getReg(Gpr.RDI));
      const len = Number(c.getReg(Gpr.RDX));
      if (fd !== 1 && fd !== 2) { c.setReg(Gpr.RAX, -9n); return; } // EBADF
      program.stdout.push(mem.read(c.getReg(Gpr.RSI), len));
      c.setReg(Gpr.RAX, BigInt(len));
    } else if (nr === SYS_EXIT || nr === SYS_EXIT_GROUP) {
      program.exitCode = Number(c.getReg(Gpr.RDI) & 0xffn);
      c.requestStop();
    } else {
      c.setReg(Gpr.RAX, -38n); // ENOSYS
    }
  };
  return program;
}

export interface CaseFault {
  message: string;
  vector?: number;
  rip?: bigint;
}

export interface SimulatorRun {
  /** Final states as written by the harness (cases that faulted keep their input state). */
  output: Uint8Array;
  faults: Map<number, CaseFault>;
  insns: number;
  seconds: number;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) { out.set(c, off); off += c.length; }
  return out;
}

/**
 * Run the differential harness in the simulator. A case that faults, halts
 * or makes no progress for `stallInsns` instructions is recorded in `faults`
 * and skipped.
 */
export function runHarnessInSimulator(elf: ElfImage, opts: { maxInsns?: number; stallInsns?: number } = {}): SimulatorRun {
  const program = loadProgram(elf);
  const { cpu, mem } = program;
  const caseIndexAddr = elf.symbol('case_index');
  const resumeAddr = elf.symbol('resume');
  const maxInsns = opts.maxInsns ?? 50_000_000;
  const stall = opts.stallInsns ?? 200_000;
  const faults = new Map<number, CaseFault>();
  const currentCase = (): number => Number(mem.readU64(caseIndexAddr, true));
  const skipCase = (fault: CaseFault): void => {
    faults.set(currentCase(), fault);
    cpu.rip = resumeAddr;
  };

  const start = process.hrtime.bigint();
  let lastCase = -1;
  let sameCaseInsns = 0;
  while (program.exitCode === null) {
    if (cpu.insnCount > maxInsns) throw new Error(`harness did not finish within ${maxInsns} instructions`);
    const before = cpu.insnCount;
    let r;
    try {
      r = cpu.run(stall);
    } catch (e) {
      // A host exception escaping the CPU is a simulator bug: blame the case and go on.
      skipCase({ message: `host exception: ${e instanceof Error ? e.stack ?? e.message : String(e)}` });
      continue;
    }
    if (r.kind === 'stop') continue;
    if (r.kind === 'fault') {
      skipCase(describeFault(r.fault));
      continue;
    }
    if (r.kind === 'halt' || r.kind === 'debug') {
      skipCase({ message: `unexpected '${r.kind}' stop at 0x${cpu.rip.toString(16)}` });
      continue;
    }
    // budget: is the harness still moving from case to case?
    const now = currentCase();
    sameCaseInsns = now === lastCase ? sameCaseInsns + (cpu.insnCount - before) : 0;
    lastCase = now;
    if (sameCaseInsns >= stall) {
      skipCase({ message: `no progress after ${sameCaseInsns} instructions (rip 0x${cpu.rip.toString(16)})` });
      sameCaseInsns = 0;
    }
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (program.exitCode !== 0) throw new Error(`harness exited with status ${program.exitCode} in the simulator`);
  return { output: concat(program.stdout), faults, insns: cpu.insnCount, seconds };
}

export function describeFault(f: CpuFault): CaseFault {
  return { message: `${f.name}: ${f.message}`, vector: f.vector, rip: f.rip };
}
