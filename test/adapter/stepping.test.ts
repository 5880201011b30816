// Stepping over DAP: next / stepIn / stepOut by source line and by
// instruction, on the debuggee compiled at -O0 (one statement, one line),
// so the expected lines follow the source text.

import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { DEBUGGEE, launch, lineOf, nextStop, SKIP, startClient, stopClient } from './harness';

const CALL_LINE = lineOf(DEBUGGEE, 'total += add_one(i);');
const ADD_FIRST = lineOf(DEBUGGEE, 'int y = x + 1;');
const ADD_SECOND = lineOf(DEBUGGEE, 'sink += y;');

describe('stepping', { skip: SKIP }, () => {
  let dc: DebugClient;
  let threadId = 0;
  before(async () => {
    dc = await startClient();
    const stopped = nextStop(dc);
    await launch(dc, { program: DEBUGGEE, params: { mode: 0 }, cflags: ['-O0'] }, () =>
      dc.setBreakpointsRequest({ source: { path: DEBUGGEE }, breakpoints: [{ line: CALL_LINE }] }));
    const { event, frames } = await stopped;
    assert.equal(frames[0].line, CALL_LINE);
    threadId = event.body.threadId!;
    await dc.setBreakpointsRequest({ source: { path: DEBUGGEE }, breakpoints: [] });
  });
  after(async () => { await stopClient(dc); });

  async function step(kind: 'next' | 'stepIn' | 'stepOut', granularity?: DebugProtocol.SteppingGranularity): Promise<DebugProtocol.StackFrame[]> {
    const stopped = nextStop(dc);
    if (kind === 'next') await dc.nextRequest({ threadId, granularity });
    else if (kind === 'stepIn') await dc.stepInRequest({ threadId, granularity });
    else await dc.stepOutRequest({ threadId, granularity });
    const { event, frames } = await stopped;
    assert.equal(event.body.reason, 'step');
    assert.equal(event.body.threadId, threadId);
    return frames;
  }

  test('stepIn on a line that calls a function stops at the first line of its body', async () => {
    const frames = await step('stepIn');
    assert.match(frames[0].name, /^add_one\+/);
    assert.equal(frames[0].line, ADD_FIRST);
    assert.match(frames[1].name, /^sum_to\+/);
  });

  test('next goes to the next line of the same function', async () => {
    const frames = await step('next');
    assert.match(frames[0].name, /^add_one\+/);
    assert.equal(frames[0].line, ADD_SECOND);
  });

  test('stepOut returns to the caller, one frame shallower', async () => {
    const before = (await dc.stackTraceRequest({ threadId })).body.stackFrames.length;
    const frames = await step('stepOut');
    assert.match(frames[0].name, /^sum_to\+/);
    assert.equal(frames[0].line, CALL_LINE);
    assert.equal(frames.length, before - 1);
  });

  test('next over a line with a call does not stop inside the callee', async () => {
    // finish the call line, then step over the next call of add_one
    let frames = await step('next');
    for (let i = 0; i < 6 && frames[0].line !== CALL_LINE; i++) frames = await step('next');
    assert.equal(frames[0].line, CALL_LINE);
    frames = await step('next');
    assert.match(frames[0].name, /^sum_to\+/);
    assert.notEqual(frames[0].line, CALL_LINE);
  });

  test('an instruction step moves to the next instruction', async () => {
    const top = (await dc.stackTraceRequest({ threadId })).body.stackFrames[0];
    const dis = await dc.disassembleRequest({ memoryReference: top.instructionPointerReference!, instructionCount: 2 });
    const frames = await step('next', 'instruction');
    const next = dis.body!.instructions[1].address;
    // a call is stepped over: then the next instruction is after it as well
    assert.equal(BigInt(frames[0].instructionPointerReference!), BigInt(next));
  });

  test('stepIn by instruction into a call enters the callee at its first instruction', async () => {
    // walk by instruction to the call of add_one
    for (let i = 0; i < 40; i++) {
      const top = (await dc.stackTraceRequest({ threadId })).body.stackFrames[0];
      const dis = await dc.disassembleRequest({ memoryReference: top.instructionPointerReference!, instructionCount: 1 });
      if (/^call\b/.test(dis.body!.instructions[0].instruction) && /add_one/.test(dis.body!.instructions[0].instruction)) break;
      await step('stepIn', 'instruction');
    }
    const frames = await step('stepIn', 'instruction');
    assert.equal(frames[0].name, 'add_one+0x0');
  });
});
