// The KStackWatch overhead workload (bench/kstackwatch/overhead.c: a loop
// calling `watched`), compiled once per test process, and a run of a kernel
// on it with a look at the pool right after each entry probe's handler (the
// tests of how watches are armed and re-pointed).

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compileModule } from '../../simulator/toolchain/compile';
import type { Kernel } from '../../simulator/system/kernel';
import type { MachineStop } from '../../simulator/kernel/machine';
import { StackProbe } from '../../simulator/kstackwatch/stack';

const SOURCE = resolve(__dirname, '../../../bench/kstackwatch/overhead.c');
let object: string | null = null;

export function overheadModule(): string {
  if (object) return object;
  const r = compileModule(SOURCE, { output: join(mkdtempSync(join(tmpdir(), 'ksw-overhead-')), 'overhead.o') });
  if (!('objectPath' in r) || !r.objectPath) throw new Error(`compile failed: ${r.diagnostics}`);
  return object = r.objectPath;
}

/** Start init and run to the end, calling `after` once each entry probe's handler has run. */
export function runWithProbeLook(k: Kernel, after: () => void): MachineStop {
  const proto = StackProbe.prototype as unknown as { onProbe(this: StackProbe, ...a: unknown[]): void };
  const orig = proto.onProbe;
  proto.onProbe = function (this: StackProbe, ...a: unknown[]) {
    orig.apply(this, a);
    after();
  };
  try {
    k.startInit();
    return k.run();
  } finally {
    proto.onProbe = orig;
  }
}
