// Time travel and the debugger's own counts: a breakpoint's hit count is
// part of the history (hitCounts.ts). After going back — to a checkpoint,
// or to the start — and forward again, a data, source or instruction
// breakpoint with a hit condition stops at the same Nth hit, at the same
// moment; and replays do not print logpoints again. The guest
// (guests/escaped.c) has its writer thread add to the global `sink` in a
// loop of `loops` iterations, long enough to span several checkpoints.

import { afterEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { GUESTS, launch, lineOf, SKIP, startClient, stopClient } from './harness';

const ESCAPED = path.join(GUESTS, 'escaped.c');
const LOOP_LINE = lineOf(ESCAPED, 'sink += i;');
/** Checkpoints every 10 000 instructions: the hits below are far past the first ones. */
const ARGS = { program: ESCAPED, cpus: 2, params: { loops: 20000 }, checkpointInterval: 10_000, stopOnEntry: true };

interface Stop { event: DebugProtocol.StoppedEvent; frames: DebugProtocol.StackFrame[]; time: { time_ns: number; insns: number } }

describe('time travel: hit counts', { skip: SKIP }, () => {
  let dc: DebugClient | null = null;
  let outputs: string[] = [];
  afterEach(async () => { if (dc) await stopClient(dc); dc = null; });

  async function atEntry(): Promise<Stop> {
    dc = await startClient();
    outputs = [];
    dc.on('output', (e: DebugProtocol.OutputEvent) => outputs.push(e.body.output));
    const stopped = stopWithTime();
    await launch(dc, ARGS);
    return stopped;
  }

  async function stopWithTime(): Promise<Stop> {
    const time = dc!.waitForEvent('kstackwatch.time');
    const event = (await dc!.waitForEvent('stopped')) as DebugProtocol.StoppedEvent;
    const frames = (await dc!.stackTraceRequest({ threadId: event.body.threadId! })).body.stackFrames;
    return { event, frames, time: (await time).body };
  }

  async function go(send: () => Promise<unknown>): Promise<Stop> {
    const stop = stopWithTime();
    await send();
    return stop;
  }

  test('a data breakpoint with hit count 5000 stops at the same write after stepBack, reverseContinue to the start, and going forward again', async () => {
    const entry = await atEntry();
    const info = await dc!.dataBreakpointInfoRequest({ name: 'sink', frameId: entry.frames[0].id });
    assert.ok(info.body.dataId, info.body.description);
    const set = await dc!.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId!, accessType: 'write', hitCondition: '5000' }] });
    assert.equal(set.body.breakpoints[0].verified, true, set.body.breakpoints[0].message);
    const tid = entry.event.body.threadId!;

    const hit = await go(() => dc!.continueRequest({ threadId: tid }));
    assert.equal(hit.event.body.reason, 'data breakpoint');
    assert.ok(hit.time.insns > 30_000, `past several checkpoints: ${hit.time.insns}`);
    const writer = hit.event.body.threadId!;
    assert.equal(hit.frames[0].line, LOOP_LINE);

    // one instruction back (a checkpoint restore and a replay), then forward: the same 5000th write
    const back = await go(() => dc!.customRequest('stepBack', { threadId: writer, granularity: 'instruction' }));
    assert.ok(back.time.insns < hit.time.insns);
    const again = await go(() => dc!.continueRequest({ threadId: writer }));
    assert.equal(again.event.body.reason, 'data breakpoint');
    assert.deepEqual(again.time, hit.time);
    assert.equal(again.event.body.description, hit.event.body.description);

    // reverseContinue: no earlier hit met the count, so back to the start; forward again: the same write
    const start = await go(() => dc!.customRequest('reverseContinue', { threadId: writer }));
    assert.equal(start.event.body.reason, 'entry');
    const third = await go(() => dc!.continueRequest({ threadId: start.event.body.threadId! }));
    assert.equal(third.event.body.reason, 'data breakpoint');
    assert.deepEqual(third.time, hit.time);

    // back to a simulated time in the middle of the loop (a checkpoint after the start), then forward
    const mid = await go(() => dc!.customRequest('kstackwatch.gotoTime', { time_ns: Math.floor(hit.time.time_ns / 2) }));
    assert.ok(mid.time.insns < hit.time.insns && mid.time.insns > 10_000, JSON.stringify(mid.time));
    const fourth = await go(() => dc!.continueRequest({ threadId: writer }));
    assert.deepEqual(fourth.time, hit.time);
  });

  test('source and instruction breakpoints with hit counts stop at the same hits after going back; logpoints are not printed again by replays', async () => {
    const entry = await atEntry();
    const source = { path: ESCAPED };
    const bps = await dc!.setBreakpointsRequest({ source, breakpoints: [{ line: LOOP_LINE, hitCondition: '3000' }] });
    assert.equal(bps.body.breakpoints[0].verified, true);
    const address = bps.body.breakpoints[0].instructionReference!;
    const ins = await dc!.customRequest('setInstructionBreakpoints', { breakpoints: [{ instructionReference: address, hitCondition: '%2500' }] }) as DebugProtocol.SetInstructionBreakpointsResponse;
    assert.equal(ins.body.breakpoints[0].verified, true);
    const tid = entry.event.body.threadId!;

    const forward: Stop[] = [];
    for (let i = 0; i < 3; i++) {
      const s = await go(() => dc!.continueRequest({ threadId: tid }));
      forward.push(s);
    }
    // the 2500th and 5000th hits of the instruction, the 3000th of the line (gcc splits it: two addresses an iteration)
    assert.deepEqual(forward.map((s) => s.event.body.reason).sort(), ['breakpoint', 'instruction breakpoint', 'instruction breakpoint']);
    assert.ok(forward[0].time.insns < forward[1].time.insns && forward[1].time.insns < forward[2].time.insns);

    // reverseContinue from the last: the stops before it, latest first, at the same moments
    const r1 = await go(() => dc!.customRequest('reverseContinue', { threadId: tid }));
    assert.deepEqual(r1.time, forward[1].time);
    assert.equal(r1.event.body.reason, forward[1].event.body.reason);
    const r0 = await go(() => dc!.customRequest('reverseContinue', { threadId: tid }));
    assert.deepEqual(r0.time, forward[0].time);
    // forward again from there: the same two stops after it
    const f1 = await go(() => dc!.continueRequest({ threadId: tid }));
    assert.deepEqual(f1.time, forward[1].time);
    const f2 = await go(() => dc!.continueRequest({ threadId: tid }));
    assert.deepEqual(f2.time, forward[2].time);

    // a logpoint (every 4000th pass) replaced the source breakpoint: replays going back print nothing
    await dc!.setBreakpointsRequest({ source, breakpoints: [{ line: LOOP_LINE, hitCondition: '%4000', logMessage: 'pass i={i}' }] });
    await dc!.customRequest('setInstructionBreakpoints', { breakpoints: [] });
    const logged = (): number => outputs.filter((o) => o.startsWith('pass i=')).length;
    const start = await go(() => dc!.customRequest('reverseContinue', { threadId: tid }));
    assert.equal(start.event.body.reason, 'entry');
    assert.equal(logged(), 0, 'the replays to the start printed no logpoint');
    // forward from the start: the logpoint counts from where it was set (the last stop), so it logs after that point only
    const ended = dc!.waitForEvent('terminated');
    await dc!.continueRequest({ threadId: tid });
    await ended;
    const passes = outputs.filter((o) => o.startsWith('pass i='));
    assert.ok(passes.length >= 1, outputs.join(''));
  });
});
