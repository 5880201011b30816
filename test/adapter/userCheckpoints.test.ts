// User-mode time travel from checkpoints: a user program's history is
// checkpointed as it runs (the process, its threads, files and timers,
// guest memory: simulator/debug/userCheckpoint.ts), and a reverse step
// replays from the latest checkpoint before its target instead of from the
// start. guests/userlong.c runs ~4 million instructions with checkpoints
// every 10 000: going back lands where a replay from the start lands,
// replaying a fraction of the history, and forward again is the same
// history (the same values, the same output). restartFrame (user mode too)
// goes back to the entry of a live activation with its arguments.

import { afterEach, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { compileUserGuest, GUESTS, launch, lineOf, ROOT, SKIP, startClient, stopClient } from './harness';
import { skipUnless } from '../tools';

const SOURCE = path.join(GUESTS, 'userlong.c');
const WORK_START = lineOf(SOURCE, '/* WORK_START:');
const WORK_END = lineOf(SOURCE, '/* WORK_END:');
const skip = SKIP || skipUnless('musl-gcc');

interface Stop { event: DebugProtocol.StoppedEvent; frames: DebugProtocol.StackFrame[]; time: { insns: number; time_ns: number } }
interface Stats { replays: number; replayed_insns: number; checkpoints: number; checkpoint_bytes: number }

describe('user-mode checkpoints and restartFrame', { skip }, () => {
  let dc: DebugClient | null = null;
  let program = '', straight = '';
  let stdout = '';
  before(() => {
    program = compileUserGuest(SOURCE, path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-adapter-userlong-')), 'userlong'));
    const run = spawnSync(process.execPath, [path.join(ROOT, 'bin/ksw'), 'exec', program], { encoding: 'utf8', env: {} });
    assert.equal(run.status, 0, run.stderr);
    straight = run.stdout;
  });
  afterEach(async () => { if (dc) await stopClient(dc); dc = null; });

  async function stopAfter(send: () => Promise<unknown>): Promise<Stop> {
    const time = dc!.waitForEvent('kstackwatch.time');
    const stopped = dc!.waitForEvent('stopped');
    await send();
    const event = (await stopped) as DebugProtocol.StoppedEvent;
    const frames = (await dc!.stackTraceRequest({ threadId: event.body.threadId! })).body.stackFrames;
    return { event, frames, time: (await time).body };
  }

  async function evaluate(frameId: number, expression: string): Promise<string> {
    return (await dc!.evaluateRequest({ expression, frameId })).body.result;
  }

  async function stats(): Promise<Stats> {
    return (await dc!.customRequest('kstackwatch.timeTravelStats')).body;
  }

  /** Launch with a breakpoint at the end of the 30th work() (round 29). */
  async function toRound29(opts: Record<string, unknown>): Promise<Stop> {
    dc = await startClient();
    stdout = '';
    dc.on('output', (e: DebugProtocol.OutputEvent) => { if (e.body.category === 'stdout') stdout += e.body.output; });
    return stopAfter(() => launch(dc!, { program, ...opts }, () => dc!.setBreakpointsRequest({ source: { path: SOURCE }, breakpoints: [{ line: WORK_END, hitCondition: '30' }] })));
  }

  test('a reverse step replays from the latest checkpoint and lands where a replay from the start does; forward again is the same history', async () => {
    const landed: { back: Stop['time']; line: Stop['time']; x: string; replayed: number; checkpoints: number }[] = [];
    for (const opts of [{ checkpointMemory: 0 }, { checkpointInterval: 10_000 }]) {
      const hit = await toRound29(opts);
      const tid = hit.event.body.threadId!;
      assert.equal(hit.frames[0].line, WORK_END);
      const x = await evaluate(hit.frames[0].id, 'x');
      const before = await stats();
      const back = await stopAfter(() => dc!.customRequest('stepBack', { threadId: tid, granularity: 'instruction' }));
      const line = await stopAfter(() => dc!.customRequest('stepBack', { threadId: tid }));
      assert.ok(line.time.insns < back.time.insns && back.time.insns < hit.time.insns);
      const after = await stats();
      // forward: the same stop, the same value, and the same output at the end
      await dc!.setBreakpointsRequest({ source: { path: SOURCE }, breakpoints: [{ line: WORK_END }] });
      const again = await stopAfter(() => dc!.continueRequest({ threadId: tid }));
      assert.deepEqual(again.time, hit.time);
      assert.equal(await evaluate(again.frames[0].id, 'x'), x);
      await dc!.setBreakpointsRequest({ source: { path: SOURCE }, breakpoints: [] });
      const exited = dc!.waitForEvent('exited');
      await dc!.continueRequest({ threadId: tid });
      await exited;
      assert.equal(stdout, straight);
      landed.push({ back: back.time, line: line.time, x, replayed: after.replayed_insns - before.replayed_insns, checkpoints: after.checkpoints });
      await stopClient(dc!);
      dc = null;
    }
    const [fromStart, fromCheckpoints] = landed;
    assert.deepEqual(fromCheckpoints.back, fromStart.back);
    assert.deepEqual(fromCheckpoints.line, fromStart.line);
    assert.equal(fromCheckpoints.x, fromStart.x);
    assert.equal(fromStart.checkpoints, 0);
    assert.ok(fromCheckpoints.checkpoints > 10, `${fromCheckpoints.checkpoints} checkpoints`);
    // from the start, the two steps replayed the whole history at least twice; from checkpoints a small part of it
    assert.ok(fromStart.replayed >= 2 * fromStart.back.insns, `${fromStart.replayed} instructions replayed`);
    assert.ok(fromCheckpoints.replayed * 10 < fromStart.replayed, `${fromCheckpoints.replayed} vs ${fromStart.replayed} instructions replayed`);
  });

  test('restartFrame in a user program: back to the entry of work() with its arguments, then of main()', async () => {
    const hit = await toRound29({ checkpointInterval: 10_000 });
    const tid = hit.event.body.threadId!;
    const x = await evaluate(hit.frames[0].id, 'x');
    assert.equal(hit.frames[0].canRestart, undefined, 'restartable (the default with supportsRestartFrame)');
    const entry = await stopAfter(() => dc!.restartFrameRequest({ frameId: hit.frames[0].id }));
    assert.equal(entry.event.body.reason, 'restart');
    assert.match(entry.frames[0].name, /^work\+0x0$/);
    assert.ok(entry.time.insns < hit.time.insns);
    // its first line (the prologue has stored the arguments it was called with), then forward to its end:
    // the same value at the same moment
    const start = await stopAfter(() => dc!.nextRequest({ threadId: tid }));
    assert.equal(start.frames[0].line, WORK_START);
    assert.equal(await evaluate(start.frames[0].id, 'seed'), '29');
    assert.equal(await evaluate(start.frames[0].id, 'n'), '4000');
    await dc!.setBreakpointsRequest({ source: { path: SOURCE }, breakpoints: [{ line: WORK_END }] });
    const end = await stopAfter(() => dc!.continueRequest({ threadId: tid }));
    assert.deepEqual(end.time, hit.time);
    assert.equal(await evaluate(end.frames[0].id, 'x'), x);
    // the caller's frame: main, entered once near the start of the run
    const main = await stopAfter(() => dc!.restartFrameRequest({ frameId: end.frames[1].id }));
    assert.equal(main.event.body.reason, 'restart');
    assert.match(main.frames[0].name, /^main\+0x0$/);
    assert.ok(main.time.insns < entry.time.insns);
  });
});
