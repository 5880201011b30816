// The fprobe exit trampoline saves registers in the frame that has just
// returned — the frame KStackWatch watches — on every watched return, and
// KStackWatch's handler drops those hits (the kernel's false-positive
// filter). While a task runs the trampoline the CPU drops them itself,
// without a #DB (Fprobes.quietSlots, Cpu.quietWrites): the run must be the
// same as with every one of those #DBs taken, and a debugger's watch on the
// same bytes must still see the trampoline's stores. Real module
// (bench/kstackwatch/overhead.c) on 4 CPUs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kernel } from '../../simulator/system/kernel';
import type { HwBreakpointHit } from '../../simulator/kernel/hwBreakpoint';
import { overheadModule, runWithProbeLook } from './overheadModule';

const CALLS = 500;

/** A run of CALLS watched calls; `quiet` false turns the CPU's dropping off (every trampoline store takes its #DB). */
function watchedRun(config: string, quiet: boolean) {
  const k = new Kernel({ cpus: 4, seed: 3, maxInstructions: 1e9 });
  k.load(overheadModule());
  k.setParam('calls', String(CALLS));
  const logs: string[] = [];
  k.listeners.push((e) => { if (e.type === 'log') logs.push(e.text); });
  k.ksw.start(config);
  if (!quiet) k.fprobes.quietSlots = 0;
  const m = k.machine;
  const handler = m.hooks.get('debugTrap')!;
  let traps = 0;
  m.hooks.clear('debugTrap');
  m.hooks.set('debugTrap', (pc, dr6) => { traps++; handler(pc, dr6); });
  k.startInit();
  const stop = k.run();
  return { k, stop, logs, traps };
}

test('the trampoline\'s stores into the watched frame raise no #DB, and the run is the same as with each #DB taken', () => {
  const quiet = watchedRun('fn=watched', true);
  const loud = watchedRun('fn=watched', false);
  assert.equal(quiet.stop.kind, 'idle');
  assert.equal(loud.traps, CALLS, 'without the shortcut every watched return takes a #DB (the trampoline saving RAX on the canary)');
  assert.equal(quiet.traps, 0, 'with it none does');
  assert.equal(quiet.k.ksw.corruptions.length, 0);
  assert.equal(loud.k.ksw.corruptions.length, 0);
  assert.deepEqual(quiet.logs, loud.logs);
  assert.equal(quiet.k.machine.insns, loud.k.machine.insns);
  assert.equal(quiet.k.machine.nowNs(), loud.k.machine.nowNs());
  for (const pc of quiet.k.machine.percpu) assert.equal(pc.debug.dr6 & 0xf, 0, `CPU ${pc.index}: DR6 B0–B3 clear, as the handler leaves them`);
});

test('a debugger\'s watch on the watched canary still sees the trampoline\'s stores', () => {
  const k = new Kernel({ cpus: 4, seed: 3, maxInstructions: 1e9 });
  k.load(overheadModule());
  k.setParam('calls', String(CALLS));
  k.ksw.start('fn=watched mw=1'); // one slot for KStackWatch, the others free for the debugger
  const m = k.machine;
  let fromTrampoline = 0, elsewhere = 0;
  const onHit = (_h: HwBreakpointHit): void => {
    if (k.fprobes.inTrampoline(m.cpu.trapInsn)) fromTrampoline++; else elsewhere++;
  };
  let registered = false;
  const stop = runWithProbeLook(k, () => {
    if (registered) return;
    const wp = k.ksw.watchpoints.find((w) => w.armed)!;
    k.hw.registerYielding({ address: wp.address, length: 8, kind: 'w' }, onHit); // on the first watched call's canary
    registered = true;
  });
  assert.equal(stop.kind, 'idle');
  assert.equal(fromTrampoline, CALLS, 'every return\'s trampoline store reaches the debugger\'s watch');
  assert.equal(elsewhere, CALLS - 1, 'so does every later call\'s prologue storing the canary');
  assert.equal(k.ksw.corruptions.length, 0, 'KStackWatch still drops the trampoline\'s stores');
});
