// Comparison of native and simulated results, and the readable report of a
// mismatch: the instruction, its input state, and every differing register,
// flag, xmm register or memory range (undefined flags/registers masked out).

import { DiffCase, regName } from './cases';
import { COMPARED_FLAGS, formatFlags } from './flags';
import { MachineState, MEM_SIZE } from './layout';
import { CaseFault } from './sim';

const hex64 = (v: bigint): string => '0x' + v.toString(16).padStart(16, '0');
const hex128 = (v: bigint): string => '0x' + (v >> 64n).toString(16).padStart(16, '0') + '_' + (v & 0xffffffffffffffffn).toString(16).padStart(16, '0');
const bytesHex = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');

/** The differences between the native and the simulated final state (empty when they agree). */
export function diffStates(c: DiffCase, native: MachineState, sim: MachineState): string[] {
  const out: string[] = [];
  for (let r = 0; r < 16; r++) {
    if (c.undefRegs & (1 << r)) continue;
    if (native.gpr[r] !== sim.gpr[r]) out.push(`${regName(r, 64).padEnd(6)} native ${hex64(native.gpr[r])}  sim ${hex64(sim.gpr[r])}`);
  }
  const mask = COMPARED_FLAGS & ~c.undefFlags;
  const nf = Number(native.rflags) & mask;
  const sf = Number(sim.rflags) & mask;
  if (nf !== sf) {
    out.push(`${'rflags'.padEnd(6)} native ${formatFlags(nf, mask)}  sim ${formatFlags(sf, mask)}` +
      (c.undefFlags ? `  (undefined, not compared: ${formatFlags(0, c.undefFlags).toUpperCase()})` : ''));
  }
  // MXCSR: control bits always; the sticky exception flags only where the case asks for it
  const mxcsrMask = c.compareMxcsrFlags ? 0xffffffff : ~0x3f;
  if ((native.mxcsr & mxcsrMask) !== (sim.mxcsr & mxcsrMask)) out.push(`${'mxcsr'.padEnd(6)} native ${formatMxcsr(native.mxcsr)}  sim ${formatMxcsr(sim.mxcsr)}`);
  for (let i = 0; i < native.xmm.length; i++) {
    if (native.xmm[i] !== sim.xmm[i]) out.push(`${('xmm' + i).padEnd(6)} native ${hex128(native.xmm[i])}  sim ${hex128(sim.xmm[i])}`);
  }
  for (let off = 0; off < MEM_SIZE; off += 8) {
    const n = native.mem.subarray(off, off + 8);
    const s = sim.mem.subarray(off, off + 8);
    if (n.some((b, i) => b !== s[i])) out.push(`mem[${off}..${off + 7}] native ${bytesHex(n)}  sim ${bytesHex(s)}`);
  }
  return out;
}

function formatMxcsr(v: number): string {
  const flags = ['IE', 'DE', 'ZE', 'OE', 'UE', 'PE'].filter((_, i) => v & (1 << i));
  const rc = ['nearest', 'down', 'up', 'zero'][(v >> 13) & 3];
  return `0x${v.toString(16)} (${[...flags, 'rc=' + rc, ...(v & 0x8000 ? ['FTZ'] : []), ...(v & 0x40 ? ['DAZ'] : [])].join(' ')})`;
}

function describeInput(c: DiffCase, input: MachineState): string[] {
  const lines: string[] = [];
  for (let r = 0; r < 16; r += 4) {
    lines.push([0, 1, 2, 3].map((k) => `${regName(r + k, 64).padStart(3)}=${hex64(input.gpr[r + k])}`).join(' '));
  }
  lines.push(`rflags: ${formatFlags(input.rflags)}`);
  if (c.usesXmm) {
    input.xmm.forEach((x, i) => lines.push(`xmm${i}=${hex128(x)}`));
    lines.push(`mxcsr: ${formatMxcsr(input.mxcsr)}`);
  }
  if (c.mem) {
    for (let off = 0; off < MEM_SIZE; off += 32) lines.push(`mem[${off}..${off + 31}]: ${bytesHex(input.mem.subarray(off, off + 32))}`);
  }
  return lines;
}

/** Multi-line report of one failing case. */
export function formatMismatch(c: DiffCase, input: MachineState, memAddress: bigint, problems: string[]): string {
  const asm = c.asm.replace(/\n/g, '; ') + (c.intel ? '   (Intel syntax)' : '');
  return [
    `#${c.index} [${c.family}] ${asm}`,
    `  input (data buffer "mem" at 0x${memAddress.toString(16)}; MEMADDR = its address):`,
    ...describeInput(c, input).map((l) => '    ' + l),
    '  mismatch:',
    ...problems.map((l) => '    ' + l),
  ].join('\n');
}

/** `code` is the address range of the case's own instructions. */
export function faultProblem(f: CaseFault, code: [bigint, bigint]): string[] {
  const where = f.rip !== undefined ? ` at rip 0x${f.rip.toString(16)}` : '';
  const lines = [`simulator raised ${f.message}${where} (native: no fault)`];
  if (f.rip !== undefined && (f.rip < code[0] || f.rip >= code[1])) {
    lines.push(`(that is in the harness's own state load/store code, not in the instruction under test)`);
  }
  return lines;
}
