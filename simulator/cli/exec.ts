// `ksw exec`: run a static Linux executable in user mode.
//
// Argument rule: options for ksw come before PROGRAM (`--stats`,
// `--root DIR`, `--seed S`, `--max-time T`, `--cpus N`, `--sched POLICY`, `--help`, and `--` to end them); everything after PROGRAM belongs to the program,
// except that a final `--stats` is taken by ksw, because the contract spells
// the command `ksw exec PROGRAM [ARGS…] [--stats]`. To hand the program a
// literal trailing `--stats`, put `--` before PROGRAM: after `--` nothing is
// taken away from the program's arguments.

import * as fs from 'node:fs';
import { ElfFile } from '../elf/elfFile';
import { readInputFile } from '../elf/inputFile';
import { OutOfPhysicalMemory } from '../memory/memory';
import { hex } from '../cpu/faults';
import { ExecResult, UserProcess } from '../user/process';
import { EXEC_USAGE } from './usage';
import { MAX_DURATION_NS, parseDurationNs } from '../text/duration';
import { DEFAULT_MAX_TIME_NS } from '../kernel/machine';
import { SCHED_SYNTAX, SchedPolicy, SchedPolicyError, parseSchedPolicy } from '../kernel/schedPolicy';
import { MAX_CPUS } from '../user/threads';
import { EXIT_BAD_INPUT, EXIT_INTERNAL, UserError, internalErrorDetail } from '../errors/userError';
import { sourceMappedStack } from './sourceMappedStack';
import { useBlockCache } from './blockCache';

export { EXIT_BAD_INPUT, EXIT_INTERNAL } from '../errors/userError';

export interface ExecArgs {
  program: string;
  args: string[];
  stats: boolean;
  /** Host directory the program sees as "/" (--root). */
  root?: string;
  /** Seed of the thread interleaving and the random bytes (--seed; default 0). */
  seed?: number;
  /** Simulated-time limit, ns (--max-time; default DEFAULT_MAX_TIME_NS, as ksw run). */
  maxTimeNs?: number;
  /** Simulated CPUs the program's threads run on (--cpus, as ksw run; default 1). */
  cpus?: number;
  /** The interleaving policy (--sched, as ksw run; default by the CPU count, see user/quanta.ts). */
  sched?: SchedPolicy;
}

/** Parse `ksw exec` arguments; a string is a usage error message. */
export function parseExecArgs(argv: string[]): ExecArgs | 'help' | string {
  let stats = false, verbatim = false, i = 0;
  let root: string | undefined, seed: number | undefined, maxTimeNs: number | undefined, cpus: number | undefined;
  let sched: SchedPolicy | undefined;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { verbatim = true; i++; break; }
    if (a === '--stats') { stats = true; continue; }
    if (a === '--root' || a.startsWith('--root=')) {
      const v = a === '--root' ? argv[++i] : a.slice('--root='.length);
      if (v === undefined || v === '') return 'ksw exec: --root needs a directory';
      root = v;
      continue;
    }
    if (a === '--seed' || a.startsWith('--seed=')) {
      const v = a === '--seed' ? argv[++i] : a.slice('--seed='.length);
      if (v === undefined || !/^\d{1,10}$/.test(v) || Number(v) > 0xffffffff) return `ksw exec: --seed needs an integer from 0 to 4294967295 (got '${v ?? ''}')`;
      seed = Number(v);
      continue;
    }
    if (a === '--max-time' || a.startsWith('--max-time=')) {
      const v = a === '--max-time' ? argv[++i] : a.slice('--max-time='.length);
      const ns = v === undefined ? null : parseDurationNs(v);
      if (ns === null) return `ksw exec: --max-time: '${v ?? ''}' is not a simulated time (seconds, or 1.5s, 500ms, 200us; at most ${MAX_DURATION_NS / 1e9} s)`;
      maxTimeNs = ns;
      continue;
    }
    if (a === '--cpus' || a.startsWith('--cpus=')) {
      const v = a === '--cpus' ? argv[++i] : a.slice('--cpus='.length);
      if (v === undefined || !/^\d{1,2}$/.test(v) || Number(v) < 1 || Number(v) > MAX_CPUS) return `ksw exec: --cpus needs an integer from 1 to ${MAX_CPUS} (got '${v ?? ''}')`;
      cpus = Number(v);
      continue;
    }
    if (a === '--sched' || a.startsWith('--sched=')) {
      const v = a === '--sched' ? argv[++i] : a.slice('--sched='.length);
      if (v === undefined) return `ksw exec: --sched needs a policy: ${SCHED_SYNTAX}`;
      try {
        sched = parseSchedPolicy(v);
      } catch (e) {
        if (e instanceof SchedPolicyError) return `ksw exec: ${e.message.replace(/^sched/, '--sched')}`;
        throw e;
      }
      continue;
    }
    if (a === '-h' || a === '--help') return 'help';
    if (a.startsWith('-') && a !== '-') return `ksw exec: unknown option '${a}'`;
    break;
  }
  const rest = argv.slice(i);
  if (!verbatim && rest.length > 1 && rest[rest.length - 1] === '--stats') {
    stats = true;
    rest.pop();
  }
  if (rest.length === 0) return 'ksw exec: missing PROGRAM';
  return {
    program: rest[0], args: rest.slice(1), stats, ...(root !== undefined ? { root } : {}), ...(seed !== undefined ? { seed } : {}),
    ...(maxTimeNs !== undefined ? { maxTimeNs } : {}), ...(cpus !== undefined ? { cpus } : {}), ...(sched !== undefined ? { sched } : {}),
  };
}

export function execCommand(argv: string[], err: (line: string) => void, out: (line: string) => void): number {
  const parsed = parseExecArgs(argv);
  if (parsed === 'help') { out(EXEC_USAGE); return 0; }
  if (typeof parsed === 'string') { err(parsed); err(EXEC_USAGE); return EXIT_BAD_INPUT; }
  const { program, args, stats, root, seed, maxTimeNs = DEFAULT_MAX_TIME_NS, cpus, sched } = parsed;
  if (root !== undefined) {
    const why = rootProblem(root);
    if (why) { err(`ksw: --root ${root}: ${why}`); return EXIT_BAD_INPUT; }
  }

  useBlockCache('exec', program);
  let proc: UserProcess;
  try {
    const elf = ElfFile.parse(readInputFile(program));
    proc = new UserProcess(elf, [program, ...args], program, { env: hostEnvironment(), root, seed, maxTimeNs, cpus, quanta: sched });
  } catch (e) {
    const reason = badInputReason(e);
    if (reason === null) throw e;
    err(`ksw: ${program}: ${reason}`);
    return EXIT_BAD_INPUT;
  }

  let r: ExecResult;
  try {
    r = proc.run();
  } catch (e) {
    // Guest faults became signals inside run(): whatever escapes is a simulator
    // bug, not the program's: say where the guest was, for the report.
    const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    err(`ksw: internal error: ${what.split('\n')[0]} (guest rip ${hex(proc.cpu.rip)}, ${proc.cpu.insnCount} instructions)`);
    if (process.env.KSW_DEBUG) err(sourceMappedStack(internalErrorDetail(e)));
    return EXIT_INTERNAL;
  }
  if (stats) {
    const mips = r.seconds > 0 ? r.insns / r.seconds / 1e6 : 0;
    if (!proc.stderrAtLineStart) err('');
    err(`insns=${r.insns} seconds=${r.seconds.toFixed(3)} mips=${mips.toFixed(2)}`);
  }
  return r.exitCode;
}

/** The program sees the host environment, as under a shell or qemu-user. */
function hostEnvironment(): string[] {
  return Object.entries(process.env).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
}

/** Why `--root DIR` cannot be used, or null. */
function rootProblem(dir: string): string | null {
  try {
    return fs.statSync(dir).isDirectory() ? null : 'not a directory';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'no such directory' : code === 'EACCES' ? 'permission denied' : 'cannot use it';
  }
}

/** One-line reason for input we cannot run, or null for a genuine internal error. */
function badInputReason(e: unknown): string | null {
  if (!(e instanceof UserError)) return null;
  return e instanceof OutOfPhysicalMemory ? `program does not fit in simulated memory (${e.message})` : e.message;
}
