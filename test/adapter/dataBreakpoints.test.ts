// Data breakpoints over DAP: real debug-register watchpoints — on a
// variable (dataBreakpointInfo by name), on raw bytes (asAddress), stopping
// on the writing thread at the store's line; and, when the four slots are
// taken (KStackWatch's pool, or four data breakpoints already), an
// unverified breakpoint that says why.

import { afterEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { DEBUGGEE, GUESTS, launch, lineOf, nextStop, ROOT, SCENARIOS, SKIP, startClient, stopClient } from './harness';

/** A module that starts KStackWatch itself (its debugfs control file) for a while: the pool takes every debug register. */
const KT_CONTROL = path.join(ROOT, 'test/kernel/guests/kt_control.c');
/** A module whose KStackWatch takes the debug registers while it changes `value`, then frees them. */
const REARM = path.join(GUESTS, 'rearm.c');

const BUMP_LINE = lineOf(DEBUGGEE, 'WRITE_ONCE(*where, READ_ONCE(*where) + 1);');

describe('data breakpoints', { skip: SKIP }, () => {
  let dc: DebugClient | null = null;
  afterEach(async () => { if (dc) await stopClient(dc); dc = null; });

  async function atEntry(args: Record<string, unknown>): Promise<{ threadId: number; frameId: number }> {
    dc = await startClient();
    const stopped = nextStop(dc);
    await launch(dc, { ...args, stopOnEntry: true });
    const { event, frames } = await stopped;
    return { threadId: event.body.threadId!, frameId: frames[0].id };
  }

  test('a write to a watched global stops on the writing thread at the store line', async () => {
    const { threadId, frameId } = await atEntry({ program: DEBUGGEE, params: { mode: 3 } });
    const info = await dc!.dataBreakpointInfoRequest({ name: 'counter', frameId });
    assert.ok(info.body.dataId, info.body.description);
    assert.deepEqual(info.body.accessTypes, ['write', 'readWrite']);
    const set = await dc!.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId!, accessType: 'write' }] });
    assert.equal(set.body.breakpoints[0].verified, true, set.body.breakpoints[0].message);
    assert.match(set.body.breakpoints[0].message ?? '', /^DR\d: counter/);
    const stopped = nextStop(dc!);
    await dc!.continueRequest({ threadId });
    const { event, frames } = await stopped;
    assert.equal(event.body.reason, 'data breakpoint');
    assert.deepEqual(event.body.hitBreakpointIds, [set.body.breakpoints[0].id]);
    assert.match(event.body.description ?? '', /counter .* written by counter_[ab] \(pid \d+\): 0x0 → 0x1/);
    assert.match(frames[0].name, /^bump(\.constprop\.\d+)?\+/);
    assert.equal(frames[0].line, BUMP_LINE);
    const thread = (await dc!.threadsRequest()).body.threads.find((t) => t.id === event.body.threadId);
    assert.match(thread?.name ?? '', /^counter_[ab] \(pid \d+\) \[CPU \d\]$/);
    const value = await dc!.evaluateRequest({ expression: 'counter', frameId: frames[0].id });
    assert.equal(value.body.result, '0x1');
  });

  test('raw bytes by address (asAddress) become a watchpoint too', async () => {
    const { threadId, frameId } = await atEntry({ program: DEBUGGEE, params: { mode: 3 } });
    const addr = (await dc!.evaluateRequest({ expression: '&counter', frameId })).body.result;
    const info = await dc!.dataBreakpointInfoRequest({ name: addr, asAddress: true, bytes: 8 } as never);
    assert.equal(info.body.dataId, `${addr}/8`);
    const set = await dc!.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId! }] });
    assert.equal(set.body.breakpoints[0].verified, true);
    const stopped = nextStop(dc!);
    await dc!.continueRequest({ threadId });
    const { event, frames } = await stopped;
    assert.equal(event.body.reason, 'data breakpoint');
    assert.equal(frames[0].line, BUMP_LINE);
  });

  test('misaligned or odd-sized ranges are refused with the reason', async () => {
    const { frameId } = await atEntry({ program: DEBUGGEE, params: { mode: 3 } });
    const addr = BigInt((await dc!.evaluateRequest({ expression: '&counter', frameId })).body.result);
    const odd = await dc!.dataBreakpointInfoRequest({ name: '0x' + (addr + 1n).toString(16), asAddress: true, bytes: 4 } as never);
    assert.equal(odd.body.dataId, null);
    assert.match(odd.body.description, /not aligned to 4 bytes/);
    const three = await dc!.dataBreakpointInfoRequest({ name: '0x' + addr.toString(16), asAddress: true, bytes: 3 } as never);
    assert.match(three.body.description, /1, 2, 4 or 8 bytes/);
  });

  test('with KStackWatch holding every debug register, a data breakpoint is unverified and says why', async () => {
    const { frameId } = await atEntry({ program: SCENARIOS, params: { test: 3 }, stackWatch: 'fn=test_mthread_victim' });
    const info = await dc!.dataBreakpointInfoRequest({ name: 'mthread_loops', frameId });
    assert.ok(info.body.dataId, info.body.description);
    const set = await dc!.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId! }] });
    const bp = set.body.breakpoints[0];
    assert.equal(bp.verified, false);
    assert.match(bp.message ?? '', /no free debug register: DR0–DR3 are all in use \(KStackWatch's watch pool holds 4; limit it with mw=N\)/);
  });

  test('the guest\'s KStackWatch takes the debug registers first: the data breakpoint says it is not armed, re-arms when they are freed, and does so again at the same points after going back', async () => {
    dc = await startClient();
    const outputs: string[] = [];
    dc.on('output', (e: DebugProtocol.OutputEvent) => outputs.push(e.body.output));
    const changes: DebugProtocol.Breakpoint[] = [];
    dc.on('breakpoint', (e: DebugProtocol.BreakpointEvent) => changes.push(e.body.breakpoint));
    const first = nextStop(dc);
    await launch(dc, { program: KT_CONTROL, stopOnEntry: true },
      () => dc!.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'kt_writer' }, { name: 'kt_control_exit' }] }));
    const entry = await first;
    const info = await dc.dataBreakpointInfoRequest({ name: 'published', frameId: entry.frames[0].id });
    const set = await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId!, accessType: 'write' }] });
    const id = set.body.breakpoints[0].id!;
    assert.match(set.body.breakpoints[0].message ?? '', /^DR0: published/);
    const stopAt = async (send: () => Promise<unknown>): Promise<{ reason: string; fn: string; verified: boolean | undefined; time: unknown }> => {
      const time = dc!.waitForEvent('kstackwatch.time');
      const stop = nextStop(dc!);
      await send();
      const { event, frames } = await stop;
      return { reason: event.body.reason, fn: frames[0].name, verified: changes.filter((c) => c.id === id).pop()?.verified, time: (await time).body };
    };
    const tid = entry.event.body.threadId!;
    // kt_writer runs while the module's watch is on: its pool took DR0–DR3, the data breakpoint waits
    const writer = await stopAt(() => dc!.continueRequest({ threadId: tid }));
    assert.equal(writer.reason, 'function breakpoint');
    assert.match(writer.fn, /^kt_writer/);
    assert.equal(writer.verified, false);
    assert.ok(outputs.some((o) => /^data breakpoint \d+ is not armed at this point: no free debug register: DR0–DR3 are all in use \(KStackWatch's watch pool holds 4; limit it with mw=N\); it arms when one is freed/.test(o)), outputs.join(''));
    const regs = await dc.customRequest('kstackwatch.debugRegisters');
    assert.deepEqual((regs.body.cpus[0].slots as { owner: string }[]).map((x) => x.owner), ['kstackwatch', 'kstackwatch', 'kstackwatch', 'kstackwatch']);
    // the module's watch catches kt_writer's store (its report stops the machine): still the guest's registers
    const corrupt = await stopAt(() => dc!.continueRequest({ threadId: tid }));
    assert.equal(corrupt.reason, 'data breakpoint');
    assert.match(corrupt.fn, /^kt_writer/);
    assert.equal(corrupt.verified, false);
    // the module cleared its watch before module_exit: the data breakpoint is armed again
    const exit = await stopAt(() => dc!.continueRequest({ threadId: tid }));
    assert.match(exit.fn, /^kt_control_exit/);
    assert.equal(exit.verified, true);
    assert.ok(outputs.some((o) => /^data breakpoint \d+ is armed again: DR0: published/.test(o)), outputs.join(''));

    // back to the corruption and to kt_writer (every register the guest's): not armed there, exactly as going forward
    assert.deepEqual(await stopAt(() => dc!.customRequest('reverseContinue', { threadId: tid })), corrupt);
    assert.deepEqual(await stopAt(() => dc!.customRequest('reverseContinue', { threadId: tid })), writer);
    // back to the start (armed), then forward again: the same stops at the same moments, armed as before
    const start = await stopAt(() => dc!.customRequest('reverseContinue', { threadId: tid }));
    assert.equal(start.reason, 'entry');
    assert.equal(start.verified, true);
    assert.deepEqual(await stopAt(() => dc!.continueRequest({ threadId: tid })), writer);
    assert.deepEqual(await stopAt(() => dc!.continueRequest({ threadId: tid })), corrupt);
    assert.deepEqual(await stopAt(() => dc!.continueRequest({ threadId: tid })), exit);
  });

  test('set before launch, waiting while KStackWatch holds the registers, armed mid-run: its first stop shows the value it had when it armed, not when it was set', async () => {
    dc = await startClient();
    const texts: string[] = [];
    dc.on('stopped', (e: DebugProtocol.StoppedEvent) => texts.push(e.body.description ?? ''));
    const stopped = nextStop(dc);
    await launch(dc, { program: REARM }, async () => {
      const info = await dc!.dataBreakpointInfoRequest({ name: 'value' });
      assert.ok(info.body.dataId, info.body.description);
      const set = await dc!.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId!, accessType: 'write' }] });
      assert.equal(set.body.breakpoints[0].verified, true);
    });
    const { event, frames } = await stopped;
    assert.equal(event.body.reason, 'data breakpoint');
    assert.equal(frames[0].line, lineOf(REARM, '/* ARMED:'));
    // value went 1 → 2 while the watch waited (rearm_victim, under KStackWatch's pool); this store is 2 → 3
    assert.match(event.body.description ?? '', /value .* written by insmod \(pid \d+\): 0x2 → 0x3$/);
    // back to the start and forward again: the same text
    const back = nextStop(dc);
    await dc.customRequest('reverseContinue', { threadId: event.body.threadId });
    assert.equal((await back).event.body.reason, 'entry');
    const again = nextStop(dc);
    await dc.continueRequest({ threadId: event.body.threadId! });
    assert.equal((await again).event.body.description, event.body.description);
  });

  test('a fifth data breakpoint finds no slot; with mw=1 KStackWatch leaves three', async () => {
    const { frameId } = await atEntry({ program: SCENARIOS, params: { test: 3 }, stackWatch: 'fn=test_mthread_victim mw=1' });
    const ids: string[] = [];
    for (const name of ['mthread_loops', 'mthread_fence', 'nodes[0].ptr', 'nodes[1].ptr']) {
      const info = await dc!.dataBreakpointInfoRequest({ name, frameId });
      if (info.body.dataId) ids.push(info.body.dataId);
    }
    // members are not known to the debugger: watch raw element addresses instead
    const base = BigInt((await dc!.evaluateRequest({ expression: '&nodes', frameId })).body.result);
    for (let i = ids.length; i < 4; i++) ids.push(`0x${(base + BigInt(64 * i)).toString(16)}/8`);
    const set = await dc!.setDataBreakpointsRequest({ breakpoints: ids.map((dataId) => ({ dataId })) });
    assert.deepEqual(set.body.breakpoints.map((b) => b.verified), [true, true, true, false]);
    assert.match(set.body.breakpoints[3].message ?? '', /no free debug register/);
    const regs = await dc!.customRequest('kstackwatch.debugRegisters');
    const owners = (regs.body.cpus[0].slots as { owner: string }[]).map((s) => s.owner);
    assert.equal(owners.filter((o) => o === 'kstackwatch').length, 1);
    assert.equal(owners.filter((o) => o.startsWith('data breakpoint')).length, 3);
  });
});
