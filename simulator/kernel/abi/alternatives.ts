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
// always holds. For any other feature we do not claim to know, the original
// is kept (the code the compiler chose as the safe default).

import type { Machine } from '../machine';
import type { LoadedModule } from '../../elf/moduleLoader';

const ALT_INSTR_SIZE = 12;
const ALTINSTR_FLAG_INV = 1 << 15;
const X86_FEATURE_ALWAYS = 3 * 32 + 21;
const X86_FEATURE_XENPV = 8 * 32 + 16;

/** Whether the simulated CPU has `feature`; undefined when we do not model it. */
function hasFeature(feature: number): boolean | undefined {
  if (feature === X86_FEATURE_ALWAYS) return true;
  if (feature === X86_FEATURE_XENPV) return false;
  return undefined;
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
    const cpuid = word & 0xffff, instrlen = (word >>> 16) & 0xff, repllen = word >>> 24;
    const has = hasFeature(cpuid & ~ALTINSTR_FLAG_INV);
    if (has === undefined || has === ((cpuid & ALTINSTR_FLAG_INV) !== 0)) continue;
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
