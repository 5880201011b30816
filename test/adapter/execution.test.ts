// Execution control over DAP: pause in a hot guest loop (answered — the
// guest never stops by itself — with the real latency printed; speed is the
// benchmarks' business, not a test's), an oops stopping with 'exception' and
// its exceptionInfo, running to the end (exited + terminated), restart and
// terminate.

import { afterEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { DEBUGGEE, launch, lineOf, nextStop, SKIP, startClient, stopClient } from './harness';

describe('execution', { skip: SKIP }, () => {
  let dc: DebugClient | null = null;
  afterEach(async () => { if (dc) await stopClient(dc); dc = null; });

  test('pause in a hot loop is answered with a stopped event in the loop', async () => {
    dc = await startClient();
    // in the loop for sure: stop at its entry, drop the breakpoint, go on
    const entered = nextStop(dc);
    await launch(dc, { program: DEBUGGEE, params: { mode: 1 } }, () => dc!.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'spin_forever' }] }));
    const first = await entered;
    assert.match(first.frames[0].name, /^spin_forever\+0x0$/);
    await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
    await dc.continueRequest({ threadId: first.event.body.threadId! });
    const latencies: number[] = [];
    for (let round = 0; round < 3; round++) {
      const t0 = performance.now();
      const stopped = dc.waitForEvent('stopped');
      await dc.pauseRequest({ threadId: 1 });
      const e = (await stopped) as DebugProtocol.StoppedEvent;
      latencies.push(performance.now() - t0);
      assert.equal(e.body.reason, 'pause');
      const st = await dc.stackTraceRequest({ threadId: e.body.threadId! });
      assert.match(st.body.stackFrames[0].name, /^spin_forever\+/);
      await dc.continueRequest({ threadId: 1 });
    }
    console.log(`# pause latency (request → stopped event): ${latencies.map((l) => l.toFixed(1)).join(', ')} ms`);
  });

  test('an oops stops with reason exception on the faulting thread, with exceptionInfo', async () => {
    dc = await startClient();
    const stopped = nextStop(dc);
    await launch(dc, { program: DEBUGGEE, params: { mode: 2 } });
    const { event, frames } = await stopped;
    assert.equal(event.body.reason, 'exception');
    assert.match(event.body.description ?? '', /Oops in insmod \(pid 1\) at crash\+0x0 \(debuggee\.c:\d+\): page fault: write at 0x0/);
    assert.match(frames[0].name, /^crash\+0x0$/);
    assert.equal(frames[0].line, lineOf(DEBUGGEE, '*p = 42;'));
    assert.match(frames[1].name, /^debuggee_init\+/);
    const info = await dc.exceptionInfoRequest({ threadId: event.body.threadId! });
    assert.equal(info.body.exceptionId, 'oops');
    assert.match(info.body.details?.message ?? '', /BUG: page fault: write at 0x0[\s\S]*Call Trace:/);
    const threads = await dc.threadsRequest();
    assert.ok(threads.body.threads.some((t) => t.id === event.body.threadId), 'the dead task is shown while stopped on its oops');
    // the machine goes on: module_exit runs and the session ends with status 3 (the guest oopsed)
    const exited = dc.waitForEvent('exited');
    const terminated = dc.waitForEvent('terminated');
    await dc.continueRequest({ threadId: event.body.threadId! });
    assert.equal(((await exited) as DebugProtocol.ExitedEvent).body.exitCode, 3);
    await terminated;
  });

  test('a clean run prints, exits with 0 and terminates', async () => {
    dc = await startClient();
    const output: string[] = [];
    dc.on('output', (e) => output.push((e as DebugProtocol.OutputEvent).body.output));
    const exited = dc.waitForEvent('exited');
    const terminated = dc.waitForEvent('terminated');
    await launch(dc, { program: DEBUGGEE, params: { mode: 0 } });
    assert.equal(((await exited) as DebugProtocol.ExitedEvent).body.exitCode, 0);
    await terminated;
    assert.ok(output.some((o) => /\] sum=15\n$/.test(o)), output.join(''));
    assert.ok(output.some((o) => /debuggee: bye/.test(o)));
  });

  test('printk output carries the source line of the call', async () => {
    dc = await startClient();
    const sum = new Promise<DebugProtocol.OutputEvent>((resolve) => dc!.on('output', (e) => {
      if (/sum=15/.test((e as DebugProtocol.OutputEvent).body.output)) resolve(e as DebugProtocol.OutputEvent);
    }));
    await launch(dc, { program: DEBUGGEE, params: { mode: 0 } });
    const e = await sum;
    assert.equal(e.body.category, 'console');
    assert.equal(e.body.source?.path, DEBUGGEE);
    assert.equal(e.body.line, lineOf(DEBUGGEE, 'pr_info("sum=%d\\n", r);'));
  });

  test('restart keeps the breakpoints (same ids) and stops at them again', async () => {
    dc = await startClient();
    let bpId = 0;
    const first = nextStop(dc);
    await launch(dc, { program: DEBUGGEE, params: { mode: 0 } }, async () => {
      bpId = (await dc!.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'add_one' }] })).body.breakpoints[0].id!;
    });
    assert.deepEqual((await first).event.body.hitBreakpointIds, [bpId]);
    const again = nextStop(dc);
    await dc.restartRequest({});
    const { event, frames } = await again;
    assert.equal(event.body.reason, 'function breakpoint');
    assert.deepEqual(event.body.hitBreakpointIds, [bpId]);
    assert.equal(frames[0].name, 'add_one+0x0');
  });

  test('stopOnEntry stops before module_init; restart starts over; terminate ends the session', async () => {
    dc = await startClient();
    const entry = nextStop(dc);
    await launch(dc, { program: DEBUGGEE, params: { mode: 1 }, stopOnEntry: true });
    let stop = await entry;
    assert.equal(stop.event.body.reason, 'entry');
    assert.match(stop.frames[0].name, /^debuggee_init\+0x0$/);
    await dc.continueRequest({ threadId: stop.event.body.threadId! }); // restart while it runs
    const again = nextStop(dc);
    await dc.restartRequest({});
    stop = await again;
    assert.equal(stop.event.body.reason, 'entry', 'the restarted session stops on entry again');
    const terminated = dc.waitForEvent('terminated');
    await dc.terminateRequest({});
    await terminated;
  });
});
