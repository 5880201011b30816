// GCC's C torture execution tests (gcc/testsuite/gcc.c-torture/execute/*.c,
// cached by scripts/install-sources.sh): which programs there are and how
// GCC's own harness would compile each for x86_64-linux-gnu. A test passes
// there when it exits 0 (failures call abort()); we also compare stdout.

import * as fs from 'node:fs';
import * as path from 'node:path';

export interface TortureCase {
  name: string;
  source: string;
  /** The options of its dg-options / dg-additional-options lines that apply to x86-64. */
  options: string[];
}

/**
 * Programs whose stdout differs between any two native runs, so only the
 * exit status is compared, each with the reason.
 */
export const STDOUT_VARIES: Record<string, string> = {
  'return-addr': 'prints the addresses of stack variables (%p): a different stack on every native run (ASLR)',
};

/** The top-level *.c of `dir` (builtins/ and ieee/ need harness support files), by name. */
export function tortureCases(dir: string): TortureCase[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.c')).sort().map((f) => {
    const source = path.join(dir, f);
    return { name: f.slice(0, -2), source, options: dgOptions(fs.readFileSync(source, 'utf8')) };
  });
}

/**
 * The options of `{ dg-options "…" }` and `{ dg-additional-options "…" }`
 * that apply here: those without a target selector, and those whose
 * selector names x86_64 and not ia32 (32-bit x86).
 */
export function dgOptions(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\{\s*dg-(?:additional-)?options\s+\{?\s*"([^"]*)"\s*\}?\s*(\{.*\})?\s*\}/g)) {
    const selector = m[2];
    if (selector && !(/target/.test(selector) && /x86_64/.test(selector) && !/ia32/.test(selector))) continue;
    out.push(...m[1].split(/\s+/).filter(Boolean));
  }
  return out;
}
