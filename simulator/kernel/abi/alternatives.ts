// .altinstructions of a Kbuild module, applied at load as Linux's
// apply_alternatives() does from module_finalize(): each struct alt_instr
// (packed: s32 instr_offset, s32 repl_offset, u16 cpuid, u8 instrlen,
// u8 replacementlen; offsets relative to the field) says "where the CPU has
// feature `cpuid` (or, with ALTINSTR_FLAG_INV, lacks it), replace the
// original instructions with those in .altinstr_replacement, padded with
// NOPs". 6.1's paravirt helpers rely on it: local_irq_save() is emitted as
// `call *pv_ops+OFF(%rip)` with ALT_NOT(X86_FEATURE_XENPV) → pushf; pop %rax.
//
// The simulated machine is bare metal, never a Xen PV guest; X86_FEATURE_ALWAYS
// always holds; the feature words Linux fills straight from CPUID (0: leaf 1
// EDX, 1: 0x80000001 EDX, 4: leaf 1 ECX, 6: 0x80000001 ECX, 9: leaf 7 EBX)
// are answered by our CPUID. For any other (Linux-synthesized) feature the
// original is kept: the code the compiler chose as the safe default.

import type { Machine } from '../machine';
import type { LoadedModule } from '../../elf/moduleLoader';
import { cpuid } from '../../cpu/helpers/system';

const ALT_INSTR_SIZE = 12;
const ALTINSTR_FLAG_INV = 1 << 15;
const X86_FEATURE_ALWAYS = 3 * 32 + 21;
const X86_FEATURE_XENPV = 8 * 32 + 16;

/** Linux feature word → [CPUID leaf, register slot in the Int32Array cpuid() fills (2·Gpr)]. */
const CPUID_WORDS: Readonly<Record<number, readonly [number, number]>> = {
  0: [1, 4], 1: [0x80000001, 4], 4: [1, 2], 6: [0x80000001, 2], 9: [7, 6],
};

/** Whether the simulated CPU has X86_FEATURE `feature`; undefined when we do not model it. */
export function hasFeature(feature: number): boolean | undefined {
  if (feature === X86_FEATURE_ALWAYS) return true;
  if (feature === X86_FEATURE_XENPV) return false;
  const word = CPUID_WORDS[feature >>> 5];
  if (!word) return undefined;
  const R = new Int32Array(32);
  R[0] = word[0];
  cpuid(R);
  return ((R[word[1]] >>> (feature & 31)) & 1) === 1;
}

/** x86's recommended multi-byte NOPs, by length (1..8). */
const NOPS: readonly (readonly number[])[] = [
  [], [0x90], [0x66, 0x90], [0x0f, 0x1f, 0x00], [0x0f, 0x1f, 0x40, 0x00], [0x0f, 0x1f, 0x44, 0x00, 0x00],
  [0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00], [0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00],
  [0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
];

function fillNops(buf: Uint8Array, from: number): void {
  for (let at = from; at < buf.length;) {
    const n = Math.min(8, buf.length - at);
    buf.set(NOPS[n], at);
    at += n;
  }
}

/** Apply the module's .altinstructions; returns how many sites were patched. */
export function applyAlternatives(m: Machine, mod: LoadedModule): number {
  const sec = mod.sectionByName('.altinstructions');
  if (!sec) return 0;
  let n = 0;
  const rel = (at: bigint): bigint => at + BigInt(BigInt.asIntN(32, BigInt(m.mem.readU32(at))));
  for (let off = 0; off + ALT_INSTR_SIZE <= sec.size; off += ALT_INSTR_SIZE) {
    const at = sec.address + BigInt(off);
    const site = rel(at), repl = rel(at + 4n);
    const word = m.mem.readU32(at + 8n); // cpuid, instrlen, replacementlen
    const feature = word & 0xffff, instrlen = (word >>> 16) & 0xff, repllen = word >>> 24;
    const has = hasFeature(feature & ~ALTINSTR_FLAG_INV);
    if (has === undefined || has === ((feature & ALTINSTR_FLAG_INV) !== 0)) continue;
    if (repllen > instrlen || !mod.contains(site) || (repllen && !mod.contains(repl))) continue; // malformed: keep the original
    const buf = new Uint8Array(instrlen);
    if (repllen) buf.set(m.mem.read(repl, repllen));
    // A replacement starting with a relative call/jmp was assembled at `repl`: retarget it (Linux's apply_relocation).
    if (repllen === 5 && (buf[0] === 0xe8 || buf[0] === 0xe9)) {
      const dv = new DataView(buf.buffer);
      dv.setInt32(1, Number(BigInt(dv.getInt32(1, true)) + repl - site), true);
    }
    fillNops(buf, repllen);
    m.mem.write(site, buf, true);
    n++;
  }
  return n;
}
