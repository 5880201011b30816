// Fault scenarios: instructions that must raise an exception. Each scenario
// sets registers to known values, then executes the faulting instruction at
// label f_<name>. In the simulator the CPU must stop with a CpuFault of the
// right vector, RIP at that instruction and the registers untouched. The
// architectural ones are also run natively (the same program, scenario
// chosen by argv[1]) to prove the program really faults on hardware.

export interface FaultScenario {
  name: string;
  /** Setup instructions, then the faulting instruction (last line). */
  setup: string[];
  faulting: string;
  vector: number;
  /** Signal the host kernel delivers natively, or null when the host CPU doesn't fault (simulator-only #UD). */
  nativeSignal: 'SIGFPE' | 'SIGILL' | null;
  /** Registers whose values must be unchanged by the faulting instruction (set in `setup`). */
  preserved: Record<number, bigint>;
}

const RAX = 0, RCX = 1, RDX = 2;
const DE = 0, UD = 6;

export const FAULT_SCENARIOS: FaultScenario[] = [
  {
    name: 'div32_by_zero', setup: ['movq $0x1234, %rax', 'movq $0x5678, %rdx', 'xorl %ecx, %ecx'], faulting: 'divl %ecx',
    vector: DE, nativeSignal: 'SIGFPE', preserved: { [RAX]: 0x1234n, [RDX]: 0x5678n, [RCX]: 0n },
  },
  {
    name: 'div8_by_zero', setup: ['movq $0x1234, %rax', 'movq $-1, %rcx', 'movb $0, %cl'], faulting: 'divb %cl',
    vector: DE, nativeSignal: 'SIGFPE', preserved: { [RAX]: 0x1234n },
  },
  {
    name: 'div64_by_zero_mem', setup: ['movq $7, %rax', 'movq $0, %rdx', 'leaq zero_qword(%rip), %rbx'], faulting: 'divq (%rbx)',
    vector: DE, nativeSignal: 'SIGFPE', preserved: { [RAX]: 7n, [RDX]: 0n },
  },
  {
    // quotient 2^32 does not fit in 32 bits
    name: 'div32_overflow', setup: ['movq $0, %rax', 'movq $1, %rdx', 'movq $1, %rcx'], faulting: 'divl %ecx',
    vector: DE, nativeSignal: 'SIGFPE', preserved: { [RAX]: 0n, [RDX]: 1n },
  },
  {
    name: 'idiv64_min_by_minus_one', setup: ['movabsq $0x8000000000000000, %rax', 'cqo', 'movq $-1, %rcx'], faulting: 'idivq %rcx',
    vector: DE, nativeSignal: 'SIGFPE', preserved: { [RAX]: 0x8000000000000000n, [RDX]: 0xffffffffffffffffn },
  },
  {
    // quotient 2^31 does not fit in a signed 32-bit register
    name: 'idiv32_min_by_minus_one', setup: ['movl $0x80000000, %eax', 'cltd', 'movq $-1, %rcx'], faulting: 'idivl %ecx',
    vector: DE, nativeSignal: 'SIGFPE', preserved: { [RAX]: 0x80000000n, [RDX]: 0xffffffffn },
  },
  {
    name: 'idiv64_by_zero', setup: ['movq $-5, %rax', 'cqo', 'xorl %ecx, %ecx'], faulting: 'idivq %rcx',
    vector: DE, nativeSignal: 'SIGFPE', preserved: { [RAX]: 0xfffffffffffffffbn, [RDX]: 0xffffffffffffffffn, [RCX]: 0n },
  },
  {
    // RDX:RAX = 2^64·d: the quotient 2^64 does not fit
    name: 'div64_overflow', setup: ['movq $0, %rax', 'movabsq $0x100000001, %rdx', 'movabsq $0x100000001, %rcx'], faulting: 'divq %rcx',
    vector: DE, nativeSignal: 'SIGFPE', preserved: { [RAX]: 0n, [RDX]: 0x100000001n, [RCX]: 0x100000001n },
  },
  {
    // −2^64 / 1: RDX is not RAX's sign extension, the quotient is below INT64_MIN
    name: 'idiv64_overflow', setup: ['movq $0, %rax', 'movq $-1, %rdx', 'movq $1, %rcx'], faulting: 'idivq %rcx',
    vector: DE, nativeSignal: 'SIGFPE', preserved: { [RAX]: 0n, [RDX]: 0xffffffffffffffffn },
  },
  {
    name: 'idiv8_overflow', setup: ['movq $0xff80, %rax', 'movq $0xff, %rcx'], faulting: 'idivb %cl',
    vector: DE, nativeSignal: 'SIGFPE', preserved: { [RAX]: 0xff80n },
  },
  {
    name: 'ud2', setup: ['movq $42, %rax'], faulting: 'ud2',
    vector: UD, nativeSignal: 'SIGILL', preserved: { [RAX]: 42n },
  },
  {
    // AVX is not simulated: the host runs it, the simulator must refuse it cleanly
    name: 'avx_vpxor', setup: ['movq $42, %rax'], faulting: 'vpxor %xmm0, %xmm0, %xmm0',
    vector: UD, nativeSignal: null, preserved: { [RAX]: 42n },
  },
];

/** Assembly of the fault program: `prog <letter>` runs scenario number (letter - 'a'). */
export function renderFaultProgram(): string {
  const lines = [
    '    .text',
    '    .globl _start',
    '_start:',
    '    movq (%rsp), %rdi', // argc
    '    cmpq $2, %rdi',
    '    jb not_faulted',
    '    movq 16(%rsp), %rsi', // argv[1]
    '    movzbl (%rsi), %eax',
    '    subl $97, %eax',
    `    cmpl $${FAULT_SCENARIOS.length}, %eax`,
    '    jae not_faulted',
    '    leaq scenario_table(%rip), %rcx',
    '    jmp *(%rcx,%rax,8)',
  ];
  for (const s of FAULT_SCENARIOS) {
    lines.push(`t_${s.name}:`, ...s.setup.map((l) => '    ' + l), `f_${s.name}:`, `    ${s.faulting}`, '    jmp not_faulted');
  }
  lines.push(
    'not_faulted:',
    '    movl $60, %eax',
    '    movl $99, %edi',
    '    syscall',
    '    .data',
    '    .p2align 3',
    'zero_qword: .quad 0',
    'scenario_table:',
    ...FAULT_SCENARIOS.map((s) => `    .quad t_${s.name}`),
    '    .section .note.GNU-stack,"",@progbits',
    '',
  );
  return lines.join('\n');
}
