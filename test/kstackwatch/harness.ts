// Shared setup for the KStackWatch scenario tests: compile the test module
// once (gcc at test time), boot kernels on it, find code offsets from DWARF
// so configs do not depend on one compiler's layout.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compileModule } from '../../simulator/toolchain/compile';
import { Kernel } from '../../simulator/system/kernel';
import type { CorruptionEvent } from '../../simulator/kstackwatch/events';
import type { SystemEvent } from '../../simulator/system/kernel';
import type { MachineStop } from '../../simulator/kernel/machine';

export const SOURCE = resolve(__dirname, '../../../examples/kstackwatch/kstackwatch_test.c');
const SOURCE_TEXT = readFileSync(SOURCE, 'utf8').split('\n');

let objectPath: string | null = null;

export function moduleObject(): string {
  if (objectPath) return objectPath;
  const dir = mkdtempSync(join(tmpdir(), 'ksw-scenarios-'));
  const r = compileModule(SOURCE, { output: join(dir, 'kstackwatch_test.o') });
  if (!('objectPath' in r) || !r.objectPath) throw new Error(`compiling the test module failed: ${r.diagnostics}`);
  objectPath = r.objectPath;
  return objectPath;
}

/** 1-based line of the first source line containing `text`. */
export function lineOf(text: string): number {
  const i = SOURCE_TEXT.findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`no line contains ${text}`);
  return i + 1;
}

export interface ScenarioRun {
  kernel: Kernel;
  stop: MachineStop;
  corruptions: CorruptionEvent[];
  logs: string[];
  events: SystemEvent[];
}

export function boot(params: Record<string, number>, seed = 1, cpus = 4): Kernel {
  const kernel = new Kernel({ cpus, seed, maxInstructions: 500_000_000 });
  kernel.load(moduleObject());
  for (const [k, v] of Object.entries(params)) kernel.setParam(k, String(v));
  return kernel;
}

export function run(kernel: Kernel, watches: string[]): ScenarioRun {
  const logs: string[] = [];
  const events: SystemEvent[] = [];
  kernel.listeners.push((e) => {
    events.push(e);
    if (e.type === 'log') logs.push(e.text);
  });
  for (const w of watches) kernel.ksw.start(w);
  kernel.startInit();
  const stop = kernel.run();
  return { kernel, stop, corruptions: kernel.ksw.corruptions, logs, events };
}

/** Offset in `fn` of the first instruction of the source line containing `text`. */
export function offsetOfLine(kernel: Kernel, fn: string, text: string): number {
  const sym = kernel.module!.symbol(fn)!;
  const line = lineOf(text);
  const addrs = kernel.debugInfo!.addressesFor(SOURCE, line)
    .filter((a) => a >= sym.address && a < sym.address + BigInt(sym.size));
  if (addrs.length === 0) throw new Error(`line ${line} (${text}) has no code in ${fn}`);
  return Number(addrs.reduce((a, b) => (a < b ? a : b)) - sym.address);
}

/** Byte offset of a local from the CFA (DW_OP_fbreg with a CFA frame base). */
export function frameOffset(kernel: Kernel, fn: string, local: string): number {
  const f = kernel.debugInfo!.functionByName(fn)!;
  const v = f.locals.find((x) => x.name === local)!;
  if (v.location.kind !== 'fbreg') throw new Error(`${fn}.${local} is not at a frame offset`);
  return v.location.offset;
}
