// Native side of the differential test: render all cases into ONE assembly
// file, build it into a static no-libc executable (gcc -nostdlib, own _start,
// raw syscalls) and run it on the host CPU. The simulator runs the very same
// executable (see sim.ts), so both execute identical machine code.
//
// Harness structure (all state lives in .data, no stack is needed between
// cases):
//   _start/next: for case i, store its state pointer in `cur` and its code
//                address in `cont`, then jump to its load routine.
//   load_state:  RFLAGS via popfq (RSP pointed at the saved flags), then
//                every GPR, RSP and RAX last; `jmp *cont(%rip)`.
//                (load_state_xmm first loads xmm0-3 and MXCSR.)
//   c<i>:        the instruction(s) under test, then `jmp store_state`.
//   store_state: saves RAX to `scratch`, stores all GPRs over the state,
//                pushfq into the RFLAGS slot; on to the next case.
//                (store_state_xmm first stores xmm0-3 and MXCSR.)
//   done:        write(1, states, states_end - states) and exit(0).
//   resume:      where the simulator runner restarts after a fault in a case.

import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiffCase, RegInit } from './cases';
import { GPR_OFF, MEM_OFF, MEM_SIZE, MXCSR_OFF, RFLAGS_OFF, XMM_OFF, XMM_STATE_COUNT } from './layout';
import { ElfImage, parseElf } from './elf';
import { skipUnless } from '../tools';

const GPR_NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

const hex = (v: bigint): string => '0x' + BigInt.asUintN(64, v).toString(16);

function regInit(v: RegInit, stateLabel: string): string {
  if (typeof v === 'bigint') return hex(v);
  const high = v.high ? `+${hex(v.high)}` : '';
  const off = MEM_OFF + v.memOffset;
  return `${stateLabel}${off >= 0 ? '+' : ''}${off}${high}`;
}

function quadsOf(bytes: Uint8Array): string[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += 8) out.push(hex(dv.getBigUint64(i, true)));
  return out;
}

const XMM_LOADS = [0, 1, 2, 3].map((i) => `    movdqu ${XMM_OFF + 16 * i}(%rax), %xmm${i}`).join('\n') + `\n    ldmxcsr ${MXCSR_OFF}(%rax)`;
const XMM_STORES = [0, 1, 2, 3].map((i) => `    movdqu %xmm${i}, ${XMM_OFF + 16 * i}(%rax)`).join('\n') + `\n    stmxcsr ${MXCSR_OFF}(%rax)`;
const GPR_LOADS = GPR_NAMES.map((r, i) => (i === 0 || i === 4 ? '' : `    movq ${GPR_OFF + 8 * i}(%rax), %${r}`)).filter(Boolean).join('\n');
const GPR_STORES = GPR_NAMES.map((r, i) => (i === 0 || i === 4 ? '' : `    movq %${r}, ${GPR_OFF + 8 * i}(%rax)`)).filter(Boolean).join('\n');

// The xmm registers and MXCSR are only loaded and stored for SSE cases, so that the
// integer cases don't depend on the simulator's SSE support.
const PROLOGUE = `
    .text
    .globl _start
_start:
    leaq stack_top(%rip), %rsp
    movq $0, case_index(%rip)
next:
    movq case_index(%rip), %rax
    cmpq $CASE_COUNT, %rax
    jae done
    leaq (%rax,%rax,2), %rax
    leaq case_table(%rip), %rcx
    leaq (%rcx,%rax,8), %rcx
    movq (%rcx), %rdx
    movq %rdx, cur(%rip)
    movq 8(%rcx), %rdx
    movq %rdx, cont(%rip)
    jmp *16(%rcx)
load_state_xmm:
    movq cur(%rip), %rax
${XMM_LOADS}
load_state:
    movq cur(%rip), %rax
    leaq ${RFLAGS_OFF}(%rax), %rsp
    popfq
${GPR_LOADS}
    movq ${GPR_OFF + 32}(%rax), %rsp
    movq ${GPR_OFF}(%rax), %rax
    jmp *cont(%rip)
store_state_xmm:
    movq %rax, scratch(%rip)
    movq cur(%rip), %rax
${XMM_STORES}
    movq scratch(%rip), %rax
store_state:
    movq %rax, scratch(%rip)
    movq cur(%rip), %rax
    movq %rsp, ${GPR_OFF + 32}(%rax)
    leaq ${RFLAGS_OFF + 8}(%rax), %rsp
    pushfq
${GPR_STORES}
    movq scratch(%rip), %rcx
    movq %rcx, ${GPR_OFF}(%rax)
    .globl resume
resume:
    leaq stack_top(%rip), %rsp
    cld
    incq case_index(%rip)
    jmp next
done:
    leaq states(%rip), %rsi
    movq $(states_end - states), %rdx
1:  testq %rdx, %rdx
    jz 2f
    movl $1, %eax
    movl $1, %edi
    syscall
    testq %rax, %rax
    jle 3f
    addq %rax, %rsi
    subq %rax, %rdx
    jmp 1b
2:  movl $60, %eax
    xorl %edi, %edi
    syscall
3:  movl $60, %eax
    movl $1, %edi
    syscall
`;

/** The harness assembly for `cases`. Also returns the first source line of each case's code (for error messages). */
export function renderAssembly(cases: readonly DiffCase[]): { source: string; caseLines: number[] } {
  if (XMM_STATE_COUNT !== 4) throw new Error('harness assumes 4 xmm registers');
  const lines: string[] = PROLOGUE.replace('CASE_COUNT', String(cases.length)).split('\n');
  const caseLines: number[] = [];
  lines.push('    .p2align 4');
  for (const c of cases) {
    const label = `s${c.index}`;
    lines.push(`c${c.index}:`);
    caseLines.push(lines.length + 1);
    if (c.intel) lines.push('    .intel_syntax noprefix');
    for (const l of c.asm.split('\n')) lines.push('    ' + l.replace(/MEMADDR/g, `${label}+${MEM_OFF}`));
    if (c.intel) lines.push('    .att_syntax prefix');
    lines.push(c.usesXmm ? '    jmp store_state_xmm' : '    jmp store_state');
  }
  lines.push('cases_end:', '', '    .data', '    .p2align 6', '    .globl states', 'states:');
  for (const c of cases) {
    const label = `s${c.index}`;
    if (c.pageBoundaryAt !== undefined) {
      // place the state so that byte `pageBoundaryAt` of its data buffer starts a page
      lines.push('    .p2align 12', `    .skip ${4096 - MEM_OFF - c.pageBoundaryAt}`);
    }
    lines.push(`${label}:`);
    lines.push(`    .quad ${c.gpr.map((v) => regInit(v, label)).join(', ')}`);
    lines.push(`    .quad ${hex(BigInt(c.rflags))}, ${hex(BigInt(c.mxcsr))}`);
    lines.push(`    .quad ${c.xmm.flatMap((x) => [hex(x & 0xffffffffffffffffn), hex(x >> 64n)]).join(', ')}`);
    if (c.mem) lines.push(`    .quad ${quadsOf(c.mem).join(', ')}`);
    else lines.push(`    .zero ${MEM_SIZE}`);
  }
  lines.push('states_end:', '    .p2align 4', 'case_table:');
  for (const c of cases) lines.push(`    .quad s${c.index}, c${c.index}, ${c.usesXmm ? 'load_state_xmm' : 'load_state'}`);
  lines.push(
    '    .globl case_index',
    'case_index: .quad 0',
    'cur: .quad 0',
    'cont: .quad 0',
    'scratch: .quad 0',
    '    .bss',
    '    .p2align 12',
    'stack: .space 65536',
    'stack_top:',
    '    .section .note.GNU-stack,"",@progbits',
    '',
  );
  return { source: lines.join('\n'), caseLines };
}

export interface HarnessBuild {
  path: string;
  elf: ElfImage;
  /** Address of the states region. */
  statesAddr: bigint;
  /** Byte offset of each case's state in the region. */
  stateOffsets: number[];
  /** The region as assembled: every case's input state. */
  initialStates: Uint8Array;
}

/** Which case a gas error line ("harness.s:123: Error: ...") belongs to. */
function explainAssemblerErrors(stderr: string, caseLines: number[], cases: readonly DiffCase[]): string {
  return stderr.split('\n').slice(0, 20).map((line) => {
    const m = /\.s:(\d+): /.exec(line);
    if (!m) return line;
    const n = Number(m[1]);
    let i = caseLines.findIndex((l) => l > n) - 1;
    if (i < 0) i = n >= caseLines[caseLines.length - 1] ? caseLines.length - 1 : -1;
    return i >= 0 && n < caseLines[i] + 10 ? `${line}   <- case #${i} [${cases[i].family}] ${cases[i].asm}` : line;
  }).join('\n');
}

/**
 * Assemble and link a static no-libc executable from assembly `source`
 * (cached in os.tmpdir() by content hash); returns its path. On failure,
 * throws with the assembler's messages (passed through `explain`).
 */
export function assembleStatic(source: string, explain: (stderr: string) => string = (e) => e): string {
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `ksw-cpu-diff-${hash}`);
  const exe = join(dir, 'prog');
  if (!existsSync(exe)) {
    mkdirSync(dir, { recursive: true });
    const src = join(dir, 'prog.s');
    writeFileSync(src, source);
    const tmpExe = `${exe}.${process.pid}.tmp`;
    const r = spawnSync('gcc', ['-nostdlib', '-nostartfiles', '-static', '-no-pie', '-Wl,--build-id=none', '-o', tmpExe, src], {
      encoding: 'utf8',
    });
    if (r.error) throw new Error(`cannot run gcc: ${r.error.message}`);
    if (r.status !== 0) throw new Error(`assembling ${src} failed:\n${explain(r.stderr)}`);
    renameSync(tmpExe, exe);
  }
  return exe;
}

/** Assemble and link the harness for `cases`. */
export function buildHarness(cases: readonly DiffCase[]): HarnessBuild {
  const { source, caseLines } = renderAssembly(cases);
  const exe = assembleStatic(source, (stderr) => explainAssemblerErrors(stderr, caseLines, cases));
  const elf = parseElf(new Uint8Array(readFileSync(exe)));
  const statesAddr = elf.symbol('states');
  const size = Number(elf.symbol('states_end') - statesAddr);
  const stateOffsets = cases.map((c) => Number(elf.symbol(`s${c.index}`) - statesAddr));
  return { path: exe, elf, statesAddr, stateOffsets, initialStates: elf.readVirtual(statesAddr, size) };
}

/** Whether gcc is available to build the harness (always "yes" under CI=true: then its absence fails). */
export function haveGcc(): boolean {
  return skipUnless('gcc') === false;
}

/**
 * Instructions some x86-64 hosts lack (they decode differently there, e.g.
 * LZCNT as BSR): the cases using them are not compared on such hosts.
 */
export function hostLacks(): Set<string> {
  let flags = new Set<string>();
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags'));
    flags = new Set((line ?? '').split(/\s+/));
  } catch {
    return new Set();
  }
  const lacks = new Set<string>();
  if (!flags.has('abm')) lacks.add('lzcnt');
  if (!flags.has('bmi1')) lacks.add('tzcnt');
  if (!flags.has('popcnt')) lacks.add('popcnt');
  return lacks;
}

/** Run the harness on the host CPU; returns the final states region. */
export function runNative(build: HarnessBuild): Uint8Array {
  const size = build.initialStates.length;
  const r = spawnSync(build.path, [], { maxBuffer: size + (1 << 20) });
  if (r.error) throw new Error(`native harness failed to run: ${r.error.message}`);
  if (r.status !== 0 || r.signal) {
    throw new Error(`native harness exited with status ${r.status} signal ${r.signal}: a generated case faults on the host`);
  }
  const out = new Uint8Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.byteLength);
  if (out.length !== size) throw new Error(`native harness wrote ${out.length} bytes, expected ${size}`);
  return out;
}
