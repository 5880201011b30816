// Breakpoints over DAP: source lines (moved to the next line with code),
// functions (name and name+offset), instructions, conditions, hit counts
// and logpoints, on the debuggee module (-O2) run by the built adapter.

import { afterEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { DEBUGGEE, launch, lineOf, locals, nextStop, SKIP, startClient, stopClient } from './harness';

const ADD_LINE = lineOf(DEBUGGEE, 'sink += y;');
const PROGRAM = { program: DEBUGGEE, params: { mode: 0 } };

describe('breakpoints', { skip: SKIP }, () => {
  let dc: DebugClient | null = null;
  afterEach(async () => { if (dc) await stopClient(dc); dc = null; });

  /** Launch with breakpoints set by `configure`; resolves with its result and the first stop. */
  async function run<T>(configure: (dc: DebugClient) => Promise<T>, args: Record<string, unknown> = PROGRAM) {
    dc = await startClient();
    let configured: T | undefined;
    const stopped = nextStop(dc);
    stopped.catch(() => undefined); // tests that expect no stop leave it pending
    await launch(dc, args, async () => { configured = await configure(dc!); });
    return { configured: configured as T, stopped };
  }

  test('a source breakpoint stops at its line with the call stack and locals', async () => {
    const { configured, stopped } = await run((c) => c.setBreakpointsRequest({ source: { path: DEBUGGEE }, breakpoints: [{ line: ADD_LINE }] }));
    const bp = configured.body.breakpoints[0];
    assert.equal(bp.verified, true);
    assert.equal(bp.line, ADD_LINE);
    const { event, frames } = await stopped;
    assert.equal(event.body.reason, 'breakpoint');
    assert.deepEqual(event.body.hitBreakpointIds, [bp.id]);
    assert.equal(event.body.allThreadsStopped, true);
    assert.equal(frames[0].line, ADD_LINE);
    assert.match(frames[0].name, /^add_one\+0x[0-9a-f]+$/);
    assert.equal(frames[0].source?.path, DEBUGGEE);
    assert.match(frames[1].name, /^sum_to/);
    assert.match(frames[2].name, /^debuggee_init\+/);
    const vars = await locals(dc!, frames[0].id);
    assert.equal(vars.get('x')?.value, '0');
  });

  test('a breakpoint on a line without code moves to the next line that has some', async () => {
    const blank = lineOf(DEBUGGEE, 'int i;') + 1;
    const { configured } = await run((c) => c.setBreakpointsRequest({ source: { path: DEBUGGEE }, breakpoints: [{ line: blank }, { line: 1 }] }));
    const [moved, comment] = configured.body.breakpoints;
    assert.equal(moved.verified, true);
    assert.ok(moved.line! > blank);
    assert.equal(comment.verified, false);
    assert.match(comment.message ?? '', /no code at line 1/);
  });

  test('function breakpoints: a name stops at its entry, name+offset at that instruction; bad ones say why', async () => {
    dc = await startClient();
    let bps: DebugProtocol.Breakpoint[] = [];
    const first = nextStop(dc);
    await launch(dc, { ...PROGRAM, stopOnEntry: true });
    await first;
    const dis = await dc.disassembleRequest({ memoryReference: (await dc.evaluateRequest({ expression: 'add_one' })).body.memoryReference ?? '0', instructionCount: 2 });
    const second = BigInt(dis.body!.instructions[1].address) - BigInt(dis.body!.instructions[0].address);
    const set = await dc.setFunctionBreakpointsRequest({ breakpoints: [
      { name: 'add_one' }, { name: `add_one+0x${second.toString(16)}` }, { name: 'no_such_function' }, { name: 'add_one+0x1000' },
    ] });
    bps = set.body.breakpoints;
    assert.deepEqual(bps.map((b) => b.verified), [true, true, false, false]);
    assert.match(bps[2].message ?? '', /no function 'no_such_function'/);
    assert.match(bps[3].message ?? '', /past the end of add_one/);
    let stopped = nextStop(dc);
    await dc.continueRequest({ threadId: 1 });
    let s = await stopped;
    assert.equal(s.event.body.reason, 'function breakpoint');
    assert.equal(s.frames[0].name, 'add_one+0x0');
    assert.deepEqual(s.event.body.hitBreakpointIds, [bps[0].id]);
    stopped = nextStop(dc);
    await dc.continueRequest({ threadId: 1 });
    s = await stopped;
    assert.equal(s.frames[0].name, `add_one+0x${second.toString(16)}`);
    assert.deepEqual(s.event.body.hitBreakpointIds, [bps[1].id]);
  });

  test('an offset inside an instruction is refused as not an instruction boundary', async () => {
    const { configured } = await run(async (c) => {
      const dis = await c.disassembleRequest({ memoryReference: (await c.evaluateRequest({ expression: 'sum_to.constprop.0' })).body.memoryReference!, instructionCount: 8 });
      const long = dis.body!.instructions.find((i) => (i.instructionBytes ?? '').split(' ').length > 1)!;
      const off = BigInt(long.address) + 1n - BigInt(dis.body!.instructions[0].address);
      return c.setFunctionBreakpointsRequest({ breakpoints: [{ name: `sum_to.constprop.0+0x${off.toString(16)}` }] });
    });
    assert.equal(configured.body.breakpoints[0].verified, false);
    assert.match(configured.body.breakpoints[0].message ?? '', /not an instruction boundary/);
  });

  test('an instruction breakpoint stops at that address', async () => {
    const { configured, stopped } = await run(async (c) => {
      const addr = (await c.evaluateRequest({ expression: 'add_one' })).body.memoryReference!;
      return c.customRequest('setInstructionBreakpoints', { breakpoints: [{ instructionReference: addr }] }) as Promise<DebugProtocol.SetInstructionBreakpointsResponse>;
    });
    const { event, frames } = await stopped;
    assert.equal(event.body.reason, 'instruction breakpoint');
    assert.equal(frames[0].instructionPointerReference, configured.body.breakpoints[0].instructionReference);
  });

  test('a condition over locals stops only when it holds', async () => {
    const { stopped } = await run((c) => c.setBreakpointsRequest({ source: { path: DEBUGGEE }, breakpoints: [{ line: ADD_LINE, condition: 'x == 3 && $rsp != 0' }] }));
    const { frames } = await stopped;
    assert.equal((await locals(dc!, frames[0].id)).get('x')?.value, '3');
  });

  test('a hit count stops on the Nth pass', async () => {
    const { stopped } = await run((c) => c.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'add_one', hitCondition: '4' }] }));
    const { frames } = await stopped;
    assert.equal((await locals(dc!, frames[0].id)).get('x')?.value, '3');
  });

  test('a hit count with % stops every Nth pass; a bad one is refused', async () => {
    const { configured, stopped } = await run((c) => c.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'add_one', hitCondition: '%2' }, { name: 'sum_to.constprop.0', hitCondition: 'often' }] }));
    assert.equal(configured.body.breakpoints[1].verified, false);
    assert.match(configured.body.breakpoints[1].message ?? '', /hit count 'often' is not understood/);
    let { frames } = await stopped;
    assert.equal((await locals(dc!, frames[0].id)).get('x')?.value, '1');
    const again = nextStop(dc!);
    await dc!.continueRequest({ threadId: 1 });
    ({ frames } = await again);
    assert.equal((await locals(dc!, frames[0].id)).get('x')?.value, '3');
  });

  test('a logpoint prints its message with values at the breakpoint line, without stopping', async () => {
    dc = await startClient();
    const logs: DebugProtocol.OutputEvent[] = [];
    dc.on('output', (e) => { if (/^add_one/.test((e as DebugProtocol.OutputEvent).body.output)) logs.push(e as DebugProtocol.OutputEvent); });
    const exited = dc.waitForEvent('exited');
    await launch(dc, PROGRAM, () => dc!.setFunctionBreakpointsRequest({ breakpoints: [] }).then(() =>
      dc!.setBreakpointsRequest({ source: { path: DEBUGGEE }, breakpoints: [{ line: lineOf(DEBUGGEE, 'int y = x + 1;'), logMessage: 'add_one(x={x}) {x * 2}' }] })));
    await exited;
    assert.deepEqual(logs.map((l) => l.body.output), [0, 1, 2, 3, 4].map((x) => `add_one(x=${x}) ${x * 2}\n`));
    assert.equal(logs[0].body.source?.path, DEBUGGEE);
    assert.equal(logs[0].body.line, lineOf(DEBUGGEE, 'int y = x + 1;'));
  });

  test('a condition that cannot be evaluated stops and says why', async () => {
    dc = await startClient();
    const notes: string[] = [];
    dc.on('output', (e) => notes.push((e as DebugProtocol.OutputEvent).body.output));
    const stopped = nextStop(dc);
    await launch(dc, PROGRAM, () => dc!.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'add_one', condition: 'nosuchvar > 1' }] }));
    const { event } = await stopped;
    assert.equal(event.body.reason, 'function breakpoint');
    assert.ok(notes.some((n) => /condition 'nosuchvar > 1' failed: no symbol 'nosuchvar'/.test(n)), notes.join(''));
  });
});
