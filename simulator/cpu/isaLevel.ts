// Which x86-64 microarchitecture level an instruction we do not implement
// belongs to, for the #UD message: the simulated CPU implements x86-64-v2
// (and CPUID says exactly that), so a program built with -march=x86-64-v3
// or -v4 stops with a message naming the level it was built for.

/** BMI1/BMI2 and other v3 additions outside the VEX vector set. */
const V3_SCALAR = new Set(['andn', 'bextr', 'blsi', 'blsmsk', 'blsr', 'bzhi', 'mulx', 'pdep', 'pext', 'rorx', 'sarx', 'shlx', 'shrx', 'movbe']);

/** " (needs x86-64-v3: AVX/AVX2)"-style suffix for an instruction's text, or "". */
export function levelNeeded(text: string): string {
  const mnemonic = text.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  if (/\bzmm\d|\bk[1-7]\b|\{/.test(text)) return ' (needs x86-64-v4: AVX-512)';
  if (V3_SCALAR.has(mnemonic)) return ` (needs x86-64-v3: ${mnemonic === 'movbe' ? 'MOVBE' : 'BMI1/BMI2'})`;
  if (/^vf(n)?m(add|sub)/.test(mnemonic)) return ' (needs x86-64-v3: FMA)';
  if (mnemonic.startsWith('v') && mnemonic !== 'verr' && mnemonic !== 'verw') return ' (needs x86-64-v3: AVX/AVX2)';
  return '';
}
