// Data breakpoints over DAP: real debug-register watchpoints — on a
// variable (dataBreakpointInfo by name), on raw bytes (asAddress), stopping
// on the writing thread at the store's line; and, when the four slots are
// taken (KStackWatch's pool, or four data breakpoints already), an
// unverified breakpoint that says why.

import { afterEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { DEBUGGEE, launch, lineOf, nextStop, SCENARIOS, SKIP, startClient, stopClient } from './harness';

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
