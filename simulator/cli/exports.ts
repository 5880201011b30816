// `ksw exports [--markdown]`: every symbol a module can link against in the
// simulated kernel — the functions implemented on the host, the kernel
// variables and the per-CPU variables — read from a booted kernel, so the
// list cannot go stale. `--markdown` prints the block README.md carries
// (test/unit/exportsReadme.test.ts checks that the README's copy matches).

import { Kernel } from '../system/kernel';
import { PERCPU_SYMBOLS } from '../kernel/abi/percpuSymbols';

export const EXPORTS_USAGE = 'usage: ksw exports [--markdown]';

/** Host functions that are kernel internals, not exports (the kthread exit trampoline). */
const INTERNAL = new Set(['ret_from_fork']);

export interface ExportList { functions: string[]; variables: string[]; percpu: string[] }

export function kernelExports(): ExportList {
  const m = new Kernel({ cpus: 1 }).machine;
  const sort = (a: string[]): string[] => a.sort((x, y) => x.replace(/^_+/, '').localeCompare(y.replace(/^_+/, '')) || x.localeCompare(y));
  return {
    functions: sort(m.host.list.map((f) => f.name).filter((n) => !INTERNAL.has(n))),
    variables: sort(m.kernelSymbolNames()),
    percpu: sort(Object.keys(PERCPU_SYMBOLS)),
  };
}

export function exportsMarkdown(e: ExportList = kernelExports()): string {
  const code = (names: string[]): string => names.map((n) => `\`${n}\``).join(', ');
  return [
    `Functions (${e.functions.length}): ${code(e.functions)}.`,
    '',
    `Variables (${e.variables.length}): ${code(e.variables)}.`,
    '',
    `Per-CPU variables (${e.percpu.length}, read through \`%gs\`): ${code(e.percpu)}.`,
  ].join('\n');
}

export function runExportsCommand(args: string[], err: (l: string) => void, out: (l: string) => void): number {
  if (args.length > 1 || (args[0] !== undefined && args[0] !== '--markdown')) { err(EXPORTS_USAGE); return 2; }
  if (args[0] === '--markdown') { out(exportsMarkdown()); return 0; }
  const e = kernelExports();
  for (const n of e.functions) out(`${n}\tfunction`);
  for (const n of e.variables) out(`${n}\tvariable`);
  for (const n of e.percpu) out(`${n}\tpercpu`);
  return 0;
}
