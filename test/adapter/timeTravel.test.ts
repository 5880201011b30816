// Reverse execution over DAP: stepBack and reverseContinue replay the
// deterministic history to the right moment. The guest (guests/escaped.c):
// leak_frame() publishes &scratch[3] in the global `escaped` and returns;
// victim() takes the same stack, and the writer thread writes through the
// stale pointer into victim's live slots[3], which a stack watch catches.

import { afterEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { DEBUGGEE, GUESTS, launch, lineOf, nextStop, SKIP, startClient, stopClient } from './harness';

const ESCAPED = path.join(GUESTS, 'escaped.c');
const LEAK_LINE = lineOf(ESCAPED, '/* LEAK:');
const CORRUPT_LINE = lineOf(ESCAPED, '/* CORRUPT:');
const WATCH = 'fn=victim var=slots[3] mw=1';
const LONGRUN = path.join(GUESTS, 'longrun.c');
const STORE_SAME_LINE = lineOf(LONGRUN, '/* SAME:');
const TIME_EVENT = 'kstackwatch.time';
/**
 * The long runs here (2 M loops, then replays of millions of instructions
 * on the debugger's recording JavaScript tier) take 5-15 s on a quiet
 * 2-core machine but more than the harness's 30 s at load 10; the limit is
 * there to catch a hang, not to time the adapter.
 */
const TIME_TRAVEL_TIMEOUT = 120_000;
/** cmp_int() called directly, then by the kernel's sort() at the same call depth. */
const HOSTCB = path.join(GUESTS, 'hostcb.c');

describe('time travel', { skip: SKIP }, () => {
  let dc: DebugClient | null = null;
  /** Every output event's text this session, in order. */
  let outputs: string[] = [];
  afterEach(async () => { if (dc) await stopClient(dc); dc = null; });

  /** Launch escaped.c with the stack watch; the first stop is the corruption. */
  async function toCorruption(extra: Record<string, unknown> = {}, configure?: (dc: DebugClient) => Promise<unknown>): Promise<Stop> {
    dc = await startClient(TIME_TRAVEL_TIMEOUT);
    outputs = [];
    dc.on('output', (e: DebugProtocol.OutputEvent) => outputs.push(e.body.output));
    const stopped = stopWithTime(dc);
    await launch(dc, { program: ESCAPED, stackWatch: WATCH, cpus: 2, ...extra }, configure ? () => configure(dc!) : undefined);
    return stopped;
  }

  interface Stop { event: DebugProtocol.StoppedEvent; frames: DebugProtocol.StackFrame[]; time: { time_ns: number; insns: number } }

  /** The next stop, its top frames, and the `kstackwatch.time` event that came before it. */
  async function stopWithTime(client: DebugClient): Promise<Stop> {
    const time = client.waitForEvent(TIME_EVENT);
    const { event, frames } = await nextStop(client);
    return { event, frames, time: (await time).body };
  }

  async function evaluate(frameId: number, expression: string): Promise<string> {
    return (await dc!.evaluateRequest({ expression, frameId })).body.result;
  }

  /** The victim thread's frame of `victim`. */
  async function victimFrame(victimPid: number): Promise<DebugProtocol.StackFrame> {
    const st = await dc!.stackTraceRequest({ threadId: victimPid });
    const f = st.body.stackFrames.find((x) => /^victim(\.[a-z]+\.\d+)?\+/.test(x.name));
    assert.ok(f, `victim's frame in ${st.body.stackFrames.map((x) => x.name).join(', ')}`);
    return f;
  }

  /** The value of victim's slots[3], read in the victim thread's frame of `victim`. */
  async function victimSlot(victimPid: number): Promise<string> {
    return evaluate((await victimFrame(victimPid)).id, 'slots[3]');
  }

  test('supportsStepBack is announced', async () => {
    dc = await startClient(TIME_TRAVEL_TIMEOUT);
    const init = await dc.initializeRequest();
    assert.equal(init.body?.supportsStepBack, true);
    assert.equal(init.body?.supportsSetExpression, true);
    assert.equal(init.body?.supportsRestartFrame, true);
    assert.equal(init.body?.supportsGotoTargetsRequest, true);
  });

  test('from the corruption: stepBack once restores the slot; a data breakpoint on the escaped pointer + reverseContinue finds the leak; forward again is the same history', async () => {
    const hit = await toCorruption();
    assert.equal(hit.event.body.reason, 'data breakpoint');
    assert.equal(hit.frames[0].line, CORRUPT_LINE);
    const writer = hit.event.body.threadId!;
    const threads = (await dc!.threadsRequest()).body.threads;
    const victimPid = threads.find((t) => t.name.startsWith('victim '))!.id;
    assert.equal(await victimSlot(victimPid), '0xbad0bad');
    assert.ok(hit.time.insns > 0);

    // one instruction back in the writer: before the store
    let stop = stopWithTime(dc!);
    await dc!.customRequest('stepBack', { threadId: writer, granularity: 'instruction' });
    const back = await stop;
    assert.equal(back.event.body.reason, 'step');
    assert.equal(back.event.body.threadId, writer);
    assert.equal(back.frames[0].line, CORRUPT_LINE);
    assert.ok(back.time.insns < hit.time.insns, `${back.time.insns} < ${hit.time.insns}`);
    assert.equal(await victimSlot(victimPid), '0x51003', 'the watched slot holds its old value again');
    // the Stack Watches view and the debug registers show that moment too: the watch armed, the old value
    const watches = (await dc!.customRequest('kstackwatch.listStackWatches')).body.watches;
    assert.equal(watches[0].armed.length, 1);
    assert.equal(watches[0].armed[0].value, '0x51003');
    const cpus = (await dc!.customRequest('kstackwatch.debugRegisters')).body.cpus as { slots: { enabled: boolean; address: string; owner: string }[] }[];
    assert.ok(cpus.every((c) => c.slots.some((x) => x.enabled && x.owner === 'kstackwatch' && x.address === watches[0].armed[0].address)));

    // a data breakpoint on the global that held the escaped pointer, then back to where it was stored
    const info = await dc!.dataBreakpointInfoRequest({ name: 'escaped', frameId: back.frames[0].id });
    assert.ok(info.body.dataId, info.body.description);
    const set = await dc!.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId!, accessType: 'write' }] });
    assert.equal(set.body.breakpoints[0].verified, true, set.body.breakpoints[0].message);
    stop = stopWithTime(dc!);
    await dc!.customRequest('reverseContinue', { threadId: writer });
    const leak = await stop;
    assert.equal(leak.event.body.reason, 'data breakpoint');
    assert.deepEqual(leak.event.body.hitBreakpointIds, [set.body.breakpoints[0].id]);
    assert.equal(leak.event.body.threadId, victimPid, 'the store was made by the victim thread');
    assert.match(leak.frames[0].name, /^leak_frame/);
    assert.equal(leak.frames[0].line, LEAK_LINE);
    assert.ok(leak.time.insns < back.time.insns);
    const stored = await evaluate(leak.frames[0].id, 'escaped');
    assert.equal(stored, await evaluate(leak.frames[0].id, '&scratch[3]'));

    // forward again: the same corruption, at the same store, with the same values
    await dc!.setDataBreakpointsRequest({ breakpoints: [] });
    const corruption = dc!.waitForEvent('kstackwatch.corruption');
    stop = stopWithTime(dc!);
    await dc!.continueRequest({ threadId: victimPid });
    const again = await stop;
    assert.equal(again.event.body.reason, 'data breakpoint');
    assert.equal(again.event.body.threadId, writer);
    assert.equal(again.frames[0].line, CORRUPT_LINE);
    assert.deepEqual(again.time, hit.time);
    assert.equal(again.event.body.description, hit.event.body.description);
    const body = (await corruption).body;
    assert.equal(body.new, '0xbad0bad');
    assert.equal(body.old, '0x51003');
    assert.equal(body.watch.addr, stored);
    assert.equal(await victimSlot(victimPid), '0xbad0bad');
    // the kernel log of history already shown is not printed again by the replays or the run over it
    const count = (text: string): number => outputs.filter((o) => o.includes(text)).length;
    assert.equal(count('Caught stack corruption'), 1, outputs.join(''));
    assert.equal(count('KStackWatch End'), 1, outputs.join(''));
  });

  test('edits are part of the history: setExpression, setVariable (a register) and writeMemory are made again at their moment by replays and by the run over it', async () => {
    const hit = await toCorruption();
    const writer = hit.event.body.threadId!;
    const victimPid = (await dc!.threadsRequest()).body.threads.find((t) => t.name.startsWith('victim '))!.id;
    const frame = await victimFrame(victimPid);
    // the Watch view's Set Value: victim's slots[3], which the writer has just smashed
    const set = await dc!.customRequest('setExpression', { expression: 'slots[3]', value: '0x1234', frameId: frame.id }) as DebugProtocol.SetExpressionResponse;
    assert.equal(set.body.value, '0x1234');
    // writeMemory: slots[5]
    const slot5 = await evaluate(frame.id, '&slots[5]');
    await dc!.customRequest('writeMemory', { memoryReference: slot5, data: Buffer.from([0xed, 0xfe, 0, 0, 0, 0, 0, 0]).toString('base64') });
    // setVariable on a register of the writer (r11: scratch, clobbered by the next call)
    const registers = async (): Promise<Map<string, DebugProtocol.Variable>> => {
      const top = (await dc!.stackTraceRequest({ threadId: writer })).body.stackFrames[0];
      const scope = (await dc!.scopesRequest({ frameId: top.id })).body.scopes.find((x) => x.name === 'Registers')!;
      return new Map((await dc!.variablesRequest({ variablesReference: scope.variablesReference })).body.variables.map((v) => [v.name, v]));
    };
    const regScope = (await dc!.scopesRequest({ frameId: hit.frames[0].id })).body.scopes.find((x) => x.name === 'Registers')!;
    const r11Before = (await registers()).get('r11')!.value;
    assert.notEqual(r11Before, '0x77');
    await dc!.setVariableRequest({ variablesReference: regScope.variablesReference, name: 'r11', value: '0x77' });
    assert.equal((await registers()).get('r11')!.value, '0x77');

    // back before the edits: the old values
    let stop = stopWithTime(dc!);
    await dc!.customRequest('stepBack', { threadId: writer, granularity: 'instruction' });
    const back = await stop;
    assert.ok(back.time.insns < hit.time.insns);
    assert.equal(await victimSlot(victimPid), '0x51003', 'before the edit (and the store)');
    assert.equal(await evaluate((await victimFrame(victimPid)).id, 'slots[5]'), '0x51005');
    assert.equal((await registers()).get('r11')!.value, r11Before);

    // forward over the store: the same corruption, and at its moment the edits are made again
    stop = stopWithTime(dc!);
    await dc!.continueRequest({ threadId: writer });
    const again = await stop;
    assert.equal(again.event.body.reason, 'data breakpoint');
    assert.deepEqual(again.time, hit.time);
    assert.equal(await victimSlot(victimPid), '0x1234');
    assert.equal(await evaluate((await victimFrame(victimPid)).id, 'slots[5]'), '0xfeed');
    assert.equal((await registers()).get('r11')!.value, '0x77');

    // a replay to a later moment (gotoTime past the edits, within the history run) shows them too
    stop = stopWithTime(dc!);
    await dc!.customRequest('kstackwatch.gotoTime', { time_ns: 0 });
    await stop;
    stop = stopWithTime(dc!);
    await dc!.customRequest('kstackwatch.gotoTime', { time_ns: hit.time.time_ns });
    const forward = await stop;
    assert.deepEqual(forward.time, hit.time);
    assert.equal(await victimSlot(victimPid), '0x1234');
    assert.equal((await registers()).get('r11')!.value, '0x77');

    // and the program goes on in the edited history: the victim prints the value the user set
    await dc!.setDataBreakpointsRequest({ breakpoints: [] });
    const ended = dc!.waitForEvent('terminated');
    await dc!.continueRequest({ threadId: writer });
    await ended;
    assert.ok(outputs.some((o) => o.includes('victim: slots[3]=0x1234')), outputs.join(''));
    assert.ok(!outputs.some((o) => o.includes('victim: slots[3]=0xbad0bad')), outputs.join(''));
  });

  test('restartFrame of a frame a host function entered (sort()\'s callback) goes to that call, not to an earlier direct call of the same function at the same depth', async () => {
    dc = await startClient(TIME_TRAVEL_TIMEOUT);
    const hit = stopWithTime(dc);
    await launch(dc, { program: HOSTCB }, () => dc!.setBreakpointsRequest({ source: { path: HOSTCB }, breakpoints: [{ line: lineOf(HOSTCB, '/* CMP:'), condition: 'calls == 3' }] }));
    const cmp = await hit;
    assert.match(cmp.frames[0].name, /^cmp_int\+/);
    assert.equal(await evaluate(cmp.frames[0].id, 'calls'), '3');
    const stop = stopWithTime(dc);
    await dc.restartFrameRequest({ frameId: cmp.frames[0].id });
    const entry = await stop;
    assert.equal(entry.event.body.reason, 'restart');
    assert.match(entry.frames[0].name, /^cmp_int\+0x0$/);
    // the fourth call, which sort() made, just begun: not compare_directly()'s call at the start of the run
    assert.equal(await evaluate(entry.frames[0].id, 'calls'), '3');
    assert.ok(!entry.frames.some((f) => f.name.startsWith('compare_directly')), entry.frames.map((f) => f.name).join(' < '));
    assert.ok(entry.time.insns < cmp.time.insns && entry.time.insns > cmp.time.insns - 8, `${entry.time.insns} vs ${cmp.time.insns}`);
  });

  test('restartFrame goes back to the entry of a live activation: a caller frame in another thread, and the innermost frame', async () => {
    const hit = await toCorruption();
    const writer = hit.event.body.threadId!;
    const victimPid = (await dc!.threadsRequest()).body.threads.find((t) => t.name.startsWith('victim '))!.id;
    const frame = await victimFrame(victimPid);
    assert.ok(frame.id % 1024 > 0, 'victim waits in wait_for_completion: a caller frame');
    assert.equal(frame.canRestart, undefined, 'restartable (the default with supportsRestartFrame)');

    // victim's activation: back to its first instruction, before its loop filled slots[]
    let stop = stopWithTime(dc!);
    await dc!.restartFrameRequest({ frameId: frame.id });
    const entry = await stop;
    assert.equal(entry.event.body.reason, 'restart');
    assert.equal(entry.event.body.threadId, victimPid);
    assert.match(entry.frames[0].name, /^victim(\.[a-z]+\.\d+)?\+0x0$/);
    assert.equal(entry.frames[1].line, lineOf(ESCAPED, '\tvictim();'), 'called from victim_thread');
    assert.ok(entry.time.insns < hit.time.insns);
    // leak_frame ran before (its pointer is published), victim has not run a line yet: the writer is still before its store
    assert.notEqual(await evaluate(entry.frames[0].id, 'escaped'), '0x0');
    // right after the call: one instruction back, the thread is at the call in victim_thread
    stop = stopWithTime(dc!);
    await dc!.customRequest('stepBack', { threadId: victimPid, granularity: 'instruction' });
    const call = await stop;
    assert.match(call.frames[0].name, /^victim_thread\+/);
    assert.equal(call.frames[0].line, lineOf(ESCAPED, '\tvictim();'));
    assert.ok(call.time.insns < entry.time.insns);

    // forward again: the same corruption at the same moment
    stop = stopWithTime(dc!);
    await dc!.continueRequest({ threadId: victimPid });
    const again = await stop;
    assert.equal(again.event.body.reason, 'data breakpoint');
    assert.deepEqual(again.time, hit.time);

    // the writer's own (innermost) frame: back to the first instruction of writer_thread
    stop = stopWithTime(dc!);
    await dc!.restartFrameRequest({ frameId: again.frames[0].id });
    const top = await stop;
    assert.equal(top.event.body.reason, 'restart');
    assert.equal(top.event.body.threadId, writer);
    assert.match(top.frames[0].name, /^writer_thread\+0x0$/);
    assert.ok(top.time.insns < again.time.insns);
    // the thread's first instruction: nothing of it before
    stop = stopWithTime(dc!);
    await dc!.customRequest('stepBack', { threadId: writer, granularity: 'instruction' });
    const before = await stop;
    assert.equal(before.event.body.reason, 'entry', 'no instruction of the writer before its first: back at the start of the run');
  });

  test('goto (Jump to Cursor) goes back to the latest moment a breakpoint on the line would have stopped the thread; gotoTargets offers one target per line with code', async () => {
    const hit = await toCorruption({ params: { loops: 2 } });
    const writer = hit.event.body.threadId!;
    const source = { path: ESCAPED };
    const loopLine = lineOf(ESCAPED, 'sink += i;');
    const targets = (await dc!.gotoTargetsRequest({ source, line: loopLine })).body.targets;
    assert.equal(targets.length, 1);
    assert.equal(targets[0].line, loopLine);
    // going forward with a breakpoint on the line: where it stops the writer (gcc splits the line in two: twice an iteration)
    await dc!.setBreakpointsRequest({ source, breakpoints: [{ line: loopLine }] });
    let stop = stopWithTime(dc!);
    await dc!.customRequest('kstackwatch.gotoTime', { time_ns: 0 });
    await stop;
    const forward: Stop['time'][] = [];
    for (;;) {
      stop = stopWithTime(dc!);
      await dc!.continueRequest({ threadId: writer });
      const s = await stop;
      if (s.event.body.reason !== 'breakpoint') { assert.deepEqual(s.time, hit.time); break; }
      assert.equal(s.event.body.threadId, writer);
      forward.push(s.time);
    }
    assert.ok(forward.length >= 2, `${forward.length} breakpoint stops`);
    await dc!.setBreakpointsRequest({ source, breakpoints: [] });
    // back with goto: the same moments, latest first
    for (const expected of [...forward].reverse()) {
      stop = stopWithTime(dc!);
      await dc!.gotoRequest({ threadId: writer, targetId: targets[0].id });
      const back = await stop;
      assert.equal(back.event.body.reason, 'goto');
      assert.equal(back.event.body.threadId, writer);
      assert.equal(back.frames[0].line, loopLine);
      assert.match(back.frames[0].name, /^writer_thread\+/);
      assert.deepEqual(back.time, expected);
    }
    // before the first: none; the thread stays where it is and the stop says so
    stop = stopWithTime(dc!);
    await dc!.gotoRequest({ threadId: writer, targetId: targets[0].id });
    const before = await stop;
    assert.match(before.event.body.description ?? '', /never ran escaped\.c:\d+ before now/);
    assert.deepEqual(before.time, forward[0]);

    // a line the writer never ran: it stays where it is and says so
    const victimLine = (await dc!.gotoTargetsRequest({ source, line: lineOf(ESCAPED, 'slots[i] = 0x51000 + i;') })).body.targets[0];
    stop = stopWithTime(dc!);
    await dc!.gotoRequest({ threadId: writer, targetId: victimLine.id });
    const stay = await stop;
    assert.match(stay.event.body.description ?? '', /never ran escaped\.c:\d+ before now/);
    assert.deepEqual(stay.time, before.time);
    // no code at or after a line: no target; an unknown target id is refused
    assert.deepEqual((await dc!.gotoTargetsRequest({ source: { path: '/nowhere/else.c' }, line: 3 })).body.targets, []);
    await assert.rejects(dc!.gotoRequest({ threadId: writer, targetId: 999 }), /no goto target 999/);
  });

  test('kstackwatch.gotoOrigin (the report\'s origin link) lands inside the origin frame\'s last moment, at its ret, where its locals are still visible', async () => {
    let corruption: Promise<DebugProtocol.Event> | null = null;
    const hit = await toCorruption({}, async (c) => { corruption = c.waitForEvent('kstackwatch.corruption'); });
    const body = (await corruption!).body;
    const origin = body.origin as { function: string; variable: string; pid: number; comm: string; returned_ns: number };
    assert.equal(origin.function, 'leak_frame');
    assert.equal(origin.variable, 'scratch[3]');

    let stop = stopWithTime(dc!);
    await dc!.customRequest('kstackwatch.gotoOrigin', { function: origin.function, pid: origin.pid, returned_ns: origin.returned_ns });
    const last = await stop;
    assert.equal(last.event.body.reason, 'goto');
    assert.equal(last.event.body.threadId, origin.pid);
    assert.match(last.event.body.description ?? '', /^In leak_frame of victim \(pid \d+\): its last instruction before it returned at \d+ ns$/);
    assert.match(last.frames[0].name, /^leak_frame\+0x[0-9a-f]+$/);
    assert.ok(last.time.insns < hit.time.insns);
    const insn = await dc!.disassembleRequest({ memoryReference: last.frames[0].instructionPointerReference!, instructionCount: 1 });
    assert.match(insn.body!.instructions[0].instruction, /^ret/);
    // the frame is live: its locals are the ones the stale pointer points into
    assert.equal(await evaluate(last.frames[0].id, '&scratch[3]'), body.watch.addr);
    assert.equal(await evaluate(last.frames[0].id, 'scratch[3]'), '0x5c003');
    assert.equal(await evaluate(last.frames[0].id, 'escaped'), body.watch.addr);
    // forward again: the same corruption
    stop = stopWithTime(dc!);
    await dc!.continueRequest({ threadId: origin.pid });
    assert.deepEqual((await stop).time, hit.time);
    // bad input: one line, no stack
    await assert.rejects(dc!.customRequest('kstackwatch.gotoOrigin', { function: 'no_such_fn', pid: origin.pid, returned_ns: 1 }), /no function 'no_such_fn' in the program/);
    await assert.rejects(dc!.customRequest('kstackwatch.gotoOrigin', { function: 'leak_frame', pid: origin.pid }), /returned_ns/);
  });

  test('reverseContinue goes back over a function breakpoint, and to the start of the run when nothing would stop', async () => {
    const hit = await toCorruption({}, (c) => c.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'leak_frame' }] }));
    // the function breakpoint stops first going forward
    assert.equal(hit.event.body.reason, 'function breakpoint');
    const fb = hit;
    let stop = stopWithTime(dc!);
    await dc!.continueRequest({ threadId: fb.event.body.threadId! });
    const corrupt = await stop;
    assert.equal(corrupt.event.body.reason, 'data breakpoint');

    stop = stopWithTime(dc!);
    await dc!.customRequest('reverseContinue', { threadId: corrupt.event.body.threadId });
    const back = await stop;
    assert.equal(back.event.body.reason, 'function breakpoint');
    assert.equal(back.event.body.threadId, fb.event.body.threadId);
    assert.match(back.frames[0].name, /^leak_frame/);
    assert.deepEqual(back.time, fb.time);

    await dc!.setFunctionBreakpointsRequest({ breakpoints: [] });
    stop = stopWithTime(dc!);
    await dc!.customRequest('reverseContinue', { threadId: back.event.body.threadId });
    const start = await stop;
    assert.equal(start.event.body.reason, 'entry');
    assert.ok(start.time.insns < back.time.insns);
    assert.ok(start.time.insns < 100, `at the start: ${start.time.insns} instructions`);
  });

  test('reverseContinue goes back to an instruction breakpoint, at the moment going forward stopped there', async () => {
    const hit = await toCorruption();
    const writer = hit.event.body.threadId!;
    // the store's own instruction: one instruction back from the corruption
    let stop = stopWithTime(dc!);
    await dc!.customRequest('stepBack', { threadId: writer, granularity: 'instruction' });
    const store = (await stop).frames[0].instructionPointerReference!;
    assert.ok(store, 'the top frame has an instruction pointer');
    const set = await dc!.customRequest('setInstructionBreakpoints', { breakpoints: [{ instructionReference: store }] }) as DebugProtocol.SetInstructionBreakpointsResponse;
    assert.equal(set.body.breakpoints[0].verified, true, set.body.breakpoints[0].message);

    // from the start, forward: the instruction breakpoint stops before the store, then the corruption
    await dc!.setDataBreakpointsRequest({ breakpoints: [] });
    stop = stopWithTime(dc!);
    await dc!.customRequest('kstackwatch.gotoTime', { time_ns: 0 });
    await stop;
    stop = stopWithTime(dc!);
    await dc!.continueRequest({ threadId: writer });
    const atStore = await stop;
    assert.equal(atStore.event.body.reason, 'instruction breakpoint');
    assert.equal(atStore.event.body.threadId, writer);
    assert.equal(atStore.frames[0].instructionPointerReference, store);
    assert.equal(atStore.frames[0].line, CORRUPT_LINE);
    stop = stopWithTime(dc!);
    await dc!.continueRequest({ threadId: writer });
    const again = await stop;
    assert.equal(again.event.body.reason, 'data breakpoint');
    assert.deepEqual(again.time, hit.time);

    // and back: the instruction breakpoint's stop, at the same moment
    stop = stopWithTime(dc!);
    await dc!.customRequest('reverseContinue', { threadId: writer });
    const back = await stop;
    assert.equal(back.event.body.reason, 'instruction breakpoint');
    assert.deepEqual(back.event.body.hitBreakpointIds, [set.body.breakpoints[0].id]);
    assert.equal(back.event.body.threadId, writer);
    assert.equal(back.frames[0].instructionPointerReference, store);
    assert.deepEqual(back.time, atStore.time);
    const victimPid = (await dc!.threadsRequest()).body.threads.find((t) => t.name.startsWith('victim '))!.id;
    assert.equal(await victimSlot(victimPid), '0x51003', 'before the store');
  });

  test('reverseContinue goes back to an oops stop (stopOnOops) from a later breakpoint', async () => {
    dc = await startClient(TIME_TRAVEL_TIMEOUT);
    const first = stopWithTime(dc);
    // debuggee.c mode 2: insmod writes through NULL in crash(); module_exit runs after the oops
    await launch(dc, { program: DEBUGGEE, params: { mode: 2 } }, () => dc!.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'debuggee_exit' }] }));
    const oops = await first;
    assert.equal(oops.event.body.reason, 'exception');
    assert.match(oops.frames[0].name, /^crash\+0x0$/);
    let stop = stopWithTime(dc);
    await dc.continueRequest({ threadId: oops.event.body.threadId! });
    const exit = await stop;
    assert.equal(exit.event.body.reason, 'function breakpoint');
    assert.match(exit.frames[0].name, /^debuggee_exit/);
    assert.ok(exit.time.time_ns > oops.time.time_ns, `${JSON.stringify(exit.time)} after ${JSON.stringify(oops.time)}`);

    stop = stopWithTime(dc);
    await dc.customRequest('reverseContinue', { threadId: exit.event.body.threadId });
    const back = await stop;
    assert.equal(back.event.body.reason, 'exception');
    assert.equal(back.event.body.threadId, oops.event.body.threadId);
    assert.equal(back.event.body.description, oops.event.body.description);
    assert.match(back.frames[0].name, /^crash\+0x0$/);
    assert.equal(back.frames[0].line, lineOf(DEBUGGEE, '*p = 42;'));
    assert.deepEqual(back.time, oops.time);
    const info = await dc.exceptionInfoRequest({ threadId: back.event.body.threadId! });
    assert.equal(info.body.exceptionId, 'oops');
  });

  test('stepBack by line walks the writer back line by line, stepping over the call to msleep', async () => {
    const hit = await toCorruption();
    const writer = hit.event.body.threadId!;
    const lines: number[] = [];
    let last = hit;
    // gcc schedules part of the next line (pr_info's format) before the store: that line comes first going back
    for (let i = 0; i < 4 && (lines.length === 0 || lines[lines.length - 1] >= CORRUPT_LINE); i++) {
      const stop = stopWithTime(dc!);
      await dc!.customRequest('stepBack', { threadId: writer });
      const back = await stop;
      assert.equal(back.event.body.reason, 'step');
      assert.equal(back.event.body.threadId, writer);
      assert.match(back.frames[0].name, /^writer_thread\+/);
      assert.ok(back.time.insns < last.time.insns, `${back.time.insns} < ${last.time.insns}`);
      lines.push(back.frames[0].line);
      last = back;
    }
    assert.equal(lines[lines.length - 1], lineOf(ESCAPED, 'p = escaped;'), `lines going back: ${lines.join(' ')}`);
    const stop = stopWithTime(dc!);
    await dc!.customRequest('stepBack', { threadId: writer });
    const sleep = await stop;
    assert.equal(sleep.frames[0].line, lineOf(ESCAPED, 'msleep(10);'), 'over the call: at the line that made it');
  });

  test('kstackwatch.gotoTime goes back to a simulated time and forward again within the history run; not beyond it', async () => {
    const hit = await toCorruption();
    const victimPid = (await dc!.threadsRequest()).body.threads.find((t) => t.name.startsWith('victim '))!.id;
    const earlier = hit.time.time_ns - 2_000_000;
    let stop = stopWithTime(dc!);
    await dc!.customRequest('kstackwatch.gotoTime', { time_ns: earlier });
    const back = await stop;
    assert.equal(back.event.body.reason, 'goto');
    assert.ok(back.time.time_ns >= earlier && back.time.time_ns < hit.time.time_ns, `${back.time.time_ns}`);
    assert.equal(await victimSlot(victimPid), '0x51003', 'before the corruption');
    stop = stopWithTime(dc!);
    await dc!.customRequest('kstackwatch.gotoTime', { time_ns: hit.time.time_ns });
    const forward = await stop;
    // the corruption is at that very time: going there meets it, as going forward would
    assert.equal(forward.event.body.reason, 'data breakpoint');
    assert.deepEqual(forward.time, hit.time);
    await assert.rejects(dc!.customRequest('kstackwatch.gotoTime', { time_ns: hit.time.time_ns + 1e9 }), /has not been reached yet/);
    await assert.rejects(dc!.customRequest('kstackwatch.gotoTime', { time_ns: 'soon' }), /time_ns/);
  });

  /**
   * A walk back from the corruption of a long run (escaped.c with `loops`):
   * step back by instruction and by line, then a data breakpoint on
   * `escaped` and reverseContinue to the leak, then stepBack in the victim;
   * each stop's moment, thread, line and the watched slot.
   */
  async function walkBack(extra: Record<string, unknown>): Promise<string[]> {
    const seen: string[] = [];
    const hit = await toCorruption({ params: { loops: 20000 }, ...extra });
    const writer = hit.event.body.threadId!;
    const victimPid = (await dc!.threadsRequest()).body.threads.find((t) => t.name.startsWith('victim '))!.id;
    const note = async (s: Stop): Promise<void> => {
      seen.push(`${s.event.body.reason} pid ${s.event.body.threadId} ${s.frames[0].name}:${s.frames[0].line} at ${JSON.stringify(s.time)} slot ${await victimSlot(victimPid).catch(() => '-')}`);
    };
    await note(hit);
    const go = async (send: () => Promise<unknown>): Promise<Stop> => {
      const stop = stopWithTime(dc!);
      await send();
      const s = await stop;
      await note(s);
      return s;
    };
    await go(() => dc!.customRequest('stepBack', { threadId: writer, granularity: 'instruction' }));
    const line = await go(() => dc!.customRequest('stepBack', { threadId: writer }));
    const info = await dc!.dataBreakpointInfoRequest({ name: 'escaped', frameId: line.frames[0].id });
    await dc!.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId!, accessType: 'write' }] });
    const leak = await go(() => dc!.customRequest('reverseContinue', { threadId: writer }));
    assert.match(leak.frames[0].name, /^leak_frame/);
    assert.equal(leak.frames[0].line, LEAK_LINE);
    await go(() => dc!.customRequest('stepBack', { threadId: victimPid, granularity: 'instruction' }));
    await dc!.setDataBreakpointsRequest({ breakpoints: [] });
    const again = await go(() => dc!.continueRequest({ threadId: writer }));
    assert.deepEqual(again.time, hit.time, 'forward again: the same corruption at the same moment');
    await stopClient(dc!);
    dc = null;
    return seen;
  }

  test('checkpoints: every 10 000 instructions, and thinned to a 1 MiB budget, reverse steps land where replays from the start land', async () => {
    const none = await walkBack({ checkpointMemory: 0 });
    assert.ok(Number(/"insns":(\d+)/.exec(none[0])![1]) > 100_000, none[0]);
    assert.deepEqual(await walkBack({ checkpointInterval: 10_000 }), none);
    assert.deepEqual(await walkBack({ checkpointInterval: 10_000, checkpointMemory: 1 }), none);
  });

  /** What time travel has cost the session so far (replays, instructions replayed, checkpoints held). */
  async function stats(): Promise<{ replays: number; replayed_insns: number; checkpoints: number; checkpoint_bytes: number }> {
    return (await dc!.customRequest('kstackwatch.timeTravelStats')).body;
  }

  /**
   * longrun.c with checkpoints every 10 000 instructions (taken at the end
   * of the forward run's slices: many stretches): a data breakpoint on
   * box.value (write) and a function breakpoint on finish(). Forward: the
   * store of the same value box.value already held stops, then finish().
   */
  async function longRun(loops: number): Promise<{ store: Stop; finish: Stop }> {
    dc = await startClient(TIME_TRAVEL_TIMEOUT);
    let stop = stopWithTime(dc);
    await launch(dc, { program: LONGRUN, params: { loops }, checkpointInterval: 10_000 }, async () => {
      const info = await dc!.dataBreakpointInfoRequest({ name: '&box', asAddress: true, bytes: 8 } as DebugProtocol.DataBreakpointInfoArguments);
      assert.ok(info.body.dataId, info.body.description);
      const set = await dc!.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId!, accessType: 'write' }] });
      assert.equal(set.body.breakpoints[0].verified, true, set.body.breakpoints[0].message);
      await dc!.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'finish' }] });
    });
    const store = await stop;
    assert.equal(store.event.body.reason, 'data breakpoint');
    assert.equal(store.frames[0].line, STORE_SAME_LINE);
    stop = stopWithTime(dc);
    await dc.continueRequest({ threadId: store.event.body.threadId! });
    const finish = await stop;
    assert.equal(finish.event.body.reason, 'function breakpoint');
    assert.match(finish.frames[0].name, /^finish/);
    return { store, finish };
  }

  test('reverseContinue over many checkpoint stretches replays only those that may stop: a data breakpoint hit by a store of the same value is found, and forward again is the same history', async () => {
    const { store, finish } = await longRun(2_000_000);
    const before = await stats();
    assert.ok(before.checkpoints >= 6, `checkpoints: ${JSON.stringify(before)}`);
    let stop = stopWithTime(dc!);
    await dc!.customRequest('reverseContinue', { threadId: finish.event.body.threadId });
    const back = await stop;
    assert.equal(back.event.body.reason, 'data breakpoint');
    assert.equal(back.event.body.threadId, store.event.body.threadId);
    assert.equal(back.frames[0].line, STORE_SAME_LINE);
    assert.deepEqual(back.time, store.time, 'the moment going forward stopped there');
    // without summaries every stretch between the two stops is replayed at least once
    const replayed = (await stats()).replayed_insns - before.replayed_insns;
    assert.ok(replayed < finish.time.insns - store.time.insns, `replayed ${replayed} of the ${finish.time.insns - store.time.insns} instructions between them`);
    // the store did not change the value: 7 before it and after it
    const box = async (s: Stop): Promise<string> => evaluate(s.frames[0].id, '*(unsigned long *)&box');
    assert.equal(await box(back), '0x7');
    stop = stopWithTime(dc!);
    await dc!.customRequest('stepBack', { threadId: back.event.body.threadId, granularity: 'instruction' });
    const beforeStore = await stop;
    assert.ok(beforeStore.time.insns < back.time.insns);
    assert.equal(await box(beforeStore), '0x7');

    stop = stopWithTime(dc!);
    await dc!.continueRequest({ threadId: back.event.body.threadId! });
    assert.deepEqual((await stop).time, store.time, 'forward again: the same store at the same moment');
    stop = stopWithTime(dc!);
    await dc!.continueRequest({ threadId: back.event.body.threadId! });
    const again = await stop;
    assert.equal(again.event.body.reason, 'function breakpoint');
    assert.deepEqual(again.time, finish.time, 'forward again: finish() at the same moment');
  });

  test('reverseContinue over many checkpoint stretches: back over a function breakpoint hit only at the start, as going forward stopped there', async () => {
    dc = await startClient(TIME_TRAVEL_TIMEOUT);
    let stop = stopWithTime(dc);
    await launch(dc, { program: LONGRUN, params: { loops: 2_000_000 }, checkpointInterval: 10_000 },
      () => dc!.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'store_same' }, { name: 'finish' }] }));
    const entry = await stop;
    assert.equal(entry.event.body.reason, 'function breakpoint');
    assert.match(entry.frames[0].name, /^store_same/);
    stop = stopWithTime(dc);
    await dc.continueRequest({ threadId: entry.event.body.threadId! });
    const end = await stop;
    assert.match(end.frames[0].name, /^finish/);
    const before = await stats();
    assert.ok(before.checkpoints >= 6, `checkpoints: ${JSON.stringify(before)}`);
    stop = stopWithTime(dc);
    await dc.customRequest('reverseContinue', { threadId: end.event.body.threadId });
    const back = await stop;
    assert.equal(back.event.body.reason, 'function breakpoint');
    assert.match(back.frames[0].name, /^store_same/);
    assert.deepEqual(back.time, entry.time);
    const replayed = (await stats()).replayed_insns - before.replayed_insns;
    assert.ok(replayed < end.time.insns - entry.time.insns, `replayed ${replayed} of the ${end.time.insns - entry.time.insns} instructions between them`);
  });

  test('goto in a thread asleep since near the start of a long run searches back from where it last ran, and lands where a search from now does', async () => {
    const gotoLeak = async (extra: Record<string, unknown>): Promise<{ stop: Stop; replayed: number; total: number }> => {
      const hit = await toCorruption({ params: { loops: 2_000_000 }, ...extra });
      const victimPid = (await dc!.threadsRequest()).body.threads.find((t) => t.name.startsWith('victim '))!.id;
      const targets = await dc!.gotoTargetsRequest({ source: { path: ESCAPED }, line: LEAK_LINE });
      const before = (await stats()).replayed_insns;
      const stop = stopWithTime(dc!);
      await dc!.gotoRequest({ threadId: victimPid, targetId: targets.body.targets[0].id });
      const back = await stop;
      assert.equal(back.event.body.reason, 'goto');
      assert.equal(back.event.body.threadId, victimPid);
      assert.equal(back.frames[0].line, LEAK_LINE);
      const replayed = (await stats()).replayed_insns - before;
      await stopClient(dc!);
      dc = null;
      return { stop: back, replayed, total: hit.time.insns };
    };
    const quiet = await gotoLeak({ checkpointInterval: 10_000 });
    assert.ok(quiet.replayed < quiet.total / 2, `replayed ${quiet.replayed} of ${quiet.total}`);
    const none = await gotoLeak({ checkpointMemory: 0 });
    assert.deepEqual(quiet.stop.time, none.stop.time);
  });

  test('goto a line a busy thread ran only at the start of a long run searches back from the last stretch whose code summary has the line', async () => {
    dc = await startClient(TIME_TRAVEL_TIMEOUT);
    let stop = stopWithTime(dc);
    await launch(dc, { program: LONGRUN, params: { loops: 2_000_000 }, checkpointInterval: 10_000 },
      () => dc!.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'finish' }] }));
    const end = await stop;
    assert.match(end.frames[0].name, /^finish/);
    const line = lineOf(LONGRUN, '\tstore_same();');
    const targets = await dc.gotoTargetsRequest({ source: { path: LONGRUN }, line });
    const before = (await stats()).replayed_insns;
    stop = stopWithTime(dc);
    await dc.gotoRequest({ threadId: end.event.body.threadId!, targetId: targets.body.targets[0].id });
    const back = await stop;
    assert.equal(back.event.body.reason, 'goto');
    assert.match(back.frames[0].name, /^longrun_init/);
    assert.equal(back.frames[0].line, line);
    assert.ok(back.time.insns < 100, `at the start: ${back.time.insns}`);
    const replayed = (await stats()).replayed_insns - before;
    assert.ok(replayed < end.time.insns / 2, `replayed ${replayed} of ${end.time.insns}`);
  });

  test('stepBack by instruction in a thread that did not run last (the sleeping victim) finds its last instruction', async () => {
    const hit = await toCorruption();
    const victimPid = (await dc!.threadsRequest()).body.threads.find((t) => t.name.startsWith('victim '))!.id;
    const before = (await dc!.stackTraceRequest({ threadId: victimPid })).body.stackFrames;
    const stop = stopWithTime(dc!);
    await dc!.customRequest('stepBack', { threadId: victimPid, granularity: 'instruction' });
    const back = await stop;
    assert.equal(back.event.body.threadId, victimPid);
    assert.ok(back.time.insns < hit.time.insns);
    const after = (await dc!.stackTraceRequest({ threadId: victimPid })).body.stackFrames;
    assert.notEqual(after[0].instructionPointerReference, before[0].instructionPointerReference, 'one instruction earlier in the victim');
    assert.ok(after.some((f) => /^victim(\.[a-z]+\.\d+)?\+/.test(f.name)), after.map((f) => f.name).join(', '));
    assert.equal(await victimSlot(victimPid), '0x51003');
  });
});
