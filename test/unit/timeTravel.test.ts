// Which recorded moment a reverse step lands on (simulator/debug/timeTravel.ts),
// on hand-made instruction starts of one thread: line steps go back over
// calls made from the line, into the caller past the function's first line,
// and skip code without lines; instruction steps skip the thread waiting at
// its current instruction. And the replay gate's answers.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { activationEntry, exactMargin, lastAt, lastExit, previousInstruction, previousLine, ReplayGate, Sample } from '../../simulator/debug/timeTravel';
import type { Task } from '../../simulator/kernel/task';

/** rip → line: 0x10.. line 1, 0x20.. line 2, 0x30.. line 3 (one file); 0x90.. no line (a kernel stub). */
const lineOf = (rip: bigint): { file: string; line: number } | undefined =>
  (rip >= 0x90n ? undefined : { file: 'f.c', line: Number(rip >> 4n) });
const s = (pos: number, rip: number, depth = 1): Sample => ({ pos, rip: BigInt(rip), depth });

test('previousInstruction: the last instruction the thread ran, not the one it waits at', () => {
  const samples = [s(1, 0x10), s(2, 0x11), s(7, 0x12)];
  assert.equal(previousInstruction(samples, 0x12n)?.pos, 2, 'waiting at 0x12 since pos 7: the one before');
  assert.equal(previousInstruction(samples, 0x13n)?.pos, 7);
  assert.equal(previousInstruction([s(1, 0x10)], 0x10n), undefined);
});

test('previousLine: the start of the previous line, over a call made from it and its kernel stub', () => {
  const samples = [
    s(1, 0x10), s(2, 0x11), // line 1
    s(3, 0x20), s(4, 0x21), // line 2 …
    s(5, 0x40, 2), s(6, 0x95, 3), s(7, 0x41, 2), // … calls a function (line 4) that calls a stub
    s(8, 0x22), // line 2 again after the call
    s(9, 0x30), s(10, 0x31), // line 3: now at 0x31
  ];
  assert.equal(previousLine(samples, { rip: 0x31n, depth: 1 }, lineOf)?.pos, 3, 'line 2 from its first instruction, the call skipped');
  assert.equal(previousLine(samples.slice(0, 3), { rip: 0x20n, depth: 1 }, lineOf)?.pos, 1);
  assert.equal(previousLine([s(1, 0x30), s(2, 0x31)], { rip: 0x31n, depth: 1 }, lineOf), undefined, 'nothing before the line');
});

test('previousLine: from a callee\'s first line back into the caller\'s line that called it', () => {
  const samples = [s(1, 0x10), s(2, 0x20), s(3, 0x21), s(4, 0x40, 2), s(5, 0x41, 2)];
  assert.equal(previousLine(samples, { rip: 0x42n, depth: 2 }, lineOf)?.pos, 2);
});

test('ReplayGate: full speed far from the target, one instruction at a time near it, stop at it; the sampled thread is recorded', () => {
  let pos = 0, time = 0;
  const arrived: number[] = [];
  const task = (pid: number): Task => ({ pid }) as unknown as Task;
  const env = { position: () => pos, time: () => time, rip: () => BigInt(0x1000 + pos), depth: () => 1 };
  const gate = new ReplayGate(env, 10_000, exactMargin(2000), { pid: 7, from: 9_990 }, undefined, (t) => arrived.push(t.pid));
  assert.equal(gate.gate(task(3)), 'run');
  pos = 10_000 - exactMargin(2000);
  assert.equal(gate.gate(task(3)), 'step', 'a quantum from here could pass the target');
  pos = 9_995;
  assert.equal(gate.gate(task(7)), 'step');
  assert.equal(gate.gate(task(7)), 'step', 'asked twice at the same instruction: one sample');
  pos = 9_996;
  gate.gate(task(7));
  assert.deepEqual(gate.samples.map((x) => x.pos), [9_995, 9_996]);
  pos = 10_000;
  assert.equal(gate.gate(task(3)), 'stop');
  assert.deepEqual(arrived, [3]);

  const byTime = new ReplayGate(env, Infinity, exactMargin(16), null, { ns: 5_000 }, (t) => arrived.push(t.pid));
  pos = 0; time = 1_000;
  assert.equal(byTime.gate(task(4)), 'run');
  time = 4_990;
  assert.equal(byTime.gate(task(4)), 'step');
  time = 5_000;
  assert.equal(byTime.gate(task(4)), 'stop');
  assert.deepEqual(arrived, [3, 4]);

  // one task's own time (another CPU's quantum of the same round counts from the same start)
  const byTaskTime = new ReplayGate(env, Infinity, exactMargin(16), null, { ns: 5_000, pid: 9 }, (t) => arrived.push(t.pid));
  time = 6_000;
  assert.equal(byTaskTime.gate(task(4)), 'run', 'another task past the time: runs on');
  assert.equal(byTaskTime.gate(task(9)), 'stop');
  assert.deepEqual(arrived, [3, 4, 9]);
});

test('activationEntry: the instruction after the thread\'s last call into that depth; the thread\'s first when it is its own function', () => {
  const samples = [s(1, 0x10, 1), s(2, 0x11, 1), s(3, 0x40, 2), s(4, 0x41, 2), s(5, 0x12, 1), s(6, 0x40, 2), s(7, 0x50, 3), s(8, 0x42, 2)];
  assert.equal((activationEntry(samples, 2, false) as Sample).pos, 6, 'the latest call, not the first one');
  assert.equal(activationEntry(samples, 1, false), undefined, 'not in these samples: look further back');
  assert.equal((activationEntry(samples, 1, true) as Sample).pos, 1, 'from the thread\'s start');
  assert.equal(activationEntry([s(1, 0x10, 1), s(2, 0x11, 1)], 2, false), 'now', 'the call was the last instruction: at the entry now');
});

test('lastAt: the latest sample at one of the addresses, not the one the thread waits at', () => {
  const samples = [s(1, 0x10), s(2, 0x20), s(3, 0x21), s(4, 0x20), s(5, 0x30), s(9, 0x20)];
  assert.equal(lastAt(samples, 0x20n, new Set([0x20n]))?.pos, 4);
  assert.equal(lastAt(samples, 0x31n, new Set([0x20n, 0x10n]))?.pos, 9);
  assert.equal(lastAt(samples, 0x31n, new Set([0x99n])), undefined);
});

test('lastExit: the thread\'s last instruction in the function before it left the function\'s depth (its ret, or a jump to a return thunk)', () => {
  const inFn = (rip: bigint): boolean => rip >= 0x40n && rip < 0x50n;
  // caller at depth 1 calls fn (depth 2), fn calls a helper (depth 3), returns, fn returns; later calls fn again
  const samples = [s(1, 0x10, 1), s(2, 0x40, 2), s(3, 0x41, 2), s(4, 0x60, 3), s(5, 0x42, 2), s(6, 0x43, 2), s(7, 0x11, 1), s(8, 0x40, 2)];
  assert.equal(lastExit(samples, inFn, 2)?.pos, 6, 'the ret at 0x43; the call to the helper is not a return; the live activation has not returned');
  assert.equal(lastExit(samples.slice(0, 6), inFn, 1)?.pos, 6, 'the return is after the last sample: the depth now says so');
  const thunk = [s(1, 0x40, 2), s(2, 0x44, 2), s(3, 0x90, 2), s(4, 0x12, 1)];
  assert.equal(lastExit(thunk, inFn, 1)?.pos, 2, 'the jump to the return thunk');
  assert.equal(lastExit([s(1, 0x10, 1)], inFn, 1), undefined);
});
