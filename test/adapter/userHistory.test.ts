// Stops do not change a multi-CPU user-mode program's history: the guest
// (guests/usersmp.c) runs four threads on four simulated CPUs whose output
// depends on how their instructions interleaved (a racy counter, the order
// they finish in, the simulated time at the end). Run in the debugger with
// breakpoints that stop it again and again, steps of every kind in the
// stopping thread, it prints exactly what an uninterrupted `ksw exec --cpus
// 4` run with the same seed prints. And since that history is the
// simulator's alone, it can go back in time (replays from the start; host
// file I/O is served from a record: userFileHistory.test.ts).

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

const SOURCE = path.join(GUESTS, 'usersmp.c');
const RACE_LINE = lineOf(SOURCE, '/* RACE:');
const skip = SKIP || skipUnless('musl-gcc');
const SEED = 5;

describe('user-mode history on 4 CPUs', { skip }, () => {
  let dc: DebugClient | null = null;
  let program = '';
  /** What `ksw exec --cpus 4 --seed 5` prints, uninterrupted (with the debugger's empty environment). */
  let straight = '';
  before(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-adapter-usersmp-'));
    program = compileUserGuest(SOURCE, path.join(dir, 'usersmp'));
    // the debugger starts a program with an empty environment: so does this run (the environment's size shows in the instruction count)
    const run = spawnSync(process.execPath, [path.join(ROOT, 'bin/ksw'), 'exec', '--cpus', '4', '--seed', String(SEED), program], { encoding: 'utf8', env: {} });
    assert.equal(run.status, 0, run.stderr);
    straight = run.stdout;
    assert.match(straight, /^racy=\d+ order=\d{4} total=\d+ ns=\d+\n$/);
    // the output does show the interleaving: another seed prints something else
    const other = spawnSync(process.execPath, [path.join(ROOT, 'bin/ksw'), 'exec', '--cpus', '4', '--seed', String(SEED + 4), program], { encoding: 'utf8', env: {} });
    assert.notEqual(other.stdout, straight);
  });
  afterEach(async () => { if (dc) await stopClient(dc); dc = null; });

  /** Launch with `configure`, then answer each stop with `onStop` until the program exits; its stdout. */
  async function session(configure: () => Promise<unknown>, onStop: (stop: DebugProtocol.StoppedEvent, n: number) => Promise<void>): Promise<{ stdout: string; stops: number }> {
    dc = await startClient();
    let stdout = '';
    dc.on('output', (e: DebugProtocol.OutputEvent) => { if (e.body.category === 'stdout') stdout += e.body.output; });
    let stops = 0;
    let ended = false;
    const exited = dc.waitForEvent('exited').then(() => { ended = true; });
    dc.on('stopped', (e: DebugProtocol.StoppedEvent) => {
      if (ended) return;
      void onStop(e, stops++).catch((err) => { stdout += `\n[${(err as Error).message}]`; });
    });
    await launch(dc, { program, cpus: 4, seed: SEED }, configure);
    await exited;
    await stopClient(dc);
    dc = null;
    return { stdout, stops };
  }

  test('with no stops, the debugger runs it as ksw exec does', async () => {
    const { stdout } = await session(async () => undefined, async () => undefined);
    assert.equal(stdout, straight);
  });

  test('breakpoints every few hundred passes in every thread, and steps of every kind, leave the output and the simulated time unchanged', async () => {
    const threads = new Set<number>();
    const { stdout, stops } = await session(
      () => dc!.setBreakpointsRequest({ source: { path: SOURCE }, breakpoints: [{ line: RACE_LINE, hitCondition: '%450' }] }),
      async (stop, n) => {
        const threadId = stop.body.threadId!;
        if (stop.body.reason === 'breakpoint') threads.add(threadId);
        const c = dc!;
        // a stop's own request, then continue: next, step in, step out, an instruction step, or straight on
        switch (n % 5) {
          case 0: await c.nextRequest({ threadId }); return;
          case 1: await c.stepInRequest({ threadId }); return;
          case 2: await c.stepOutRequest({ threadId }); return;
          case 3: await c.nextRequest({ threadId, granularity: 'instruction' }); return;
          default: await c.stackTraceRequest({ threadId }); await c.continueRequest({ threadId });
        }
      });
    assert.ok(stops >= 30, `${stops} stops`);
    assert.ok(threads.size >= 3, `breakpoint stops in ${threads.size} threads`);
    assert.equal(stdout, straight);
  });

  /** The next stop and the `kstackwatch.time` event before it. */
  async function stopAfter(send: () => Promise<unknown>): Promise<{ event: DebugProtocol.StoppedEvent; time: { insns: number; time_ns: number } }> {
    const time = dc!.waitForEvent('kstackwatch.time');
    const stopped = dc!.waitForEvent('stopped');
    await send();
    const event = (await stopped) as DebugProtocol.StoppedEvent;
    return { event, time: (await time).body };
  }

  test('going back in time: stepBack and reverseContinue replay the history exactly; forward again meets the same stops; the output is printed once', async () => {
    dc = await startClient();
    let stdout = '';
    dc.on('output', (e: DebugProtocol.OutputEvent) => { if (e.body.category === 'stdout') stdout += e.body.output; });
    const bp = { source: { path: SOURCE }, breakpoints: [{ line: RACE_LINE, hitCondition: '%1000' }] };
    const first = stopAfter(async () => undefined);
    await launch(dc, { program, cpus: 4, seed: SEED, checkpointInterval: 10_000 }, () => dc!.setBreakpointsRequest(bp));
    const s1 = await first;
    assert.equal(s1.event.body.reason, 'breakpoint');
    const s2 = await stopAfter(() => dc!.continueRequest({ threadId: s1.event.body.threadId! }));
    assert.ok(s2.time.insns > s1.time.insns);
    const tid = s2.event.body.threadId!;

    const back = await stopAfter(() => dc!.customRequest('stepBack', { threadId: tid, granularity: 'instruction' }));
    assert.equal(back.event.body.reason, 'step');
    assert.equal(back.event.body.threadId, tid);
    assert.ok(back.time.insns < s2.time.insns && back.time.insns > s1.time.insns, `${JSON.stringify(back.time)}`);
    const line = await stopAfter(() => dc!.customRequest('stepBack', { threadId: tid }));
    assert.ok(line.time.insns < back.time.insns);
    const top = (await dc.stackTraceRequest({ threadId: tid })).body.stackFrames[0];
    assert.match(top.name, /^work\+/);

    const r1 = await stopAfter(() => dc!.customRequest('reverseContinue', { threadId: tid }));
    assert.equal(r1.event.body.reason, 'breakpoint');
    assert.equal(r1.event.body.threadId, s1.event.body.threadId);
    assert.deepEqual(r1.time, s1.time);
    const f2 = await stopAfter(() => dc!.continueRequest({ threadId: tid }));
    assert.equal(f2.event.body.threadId, tid);
    assert.deepEqual(f2.time, s2.time);

    // to the end: the same output as the uninterrupted run, printed once
    await dc.setBreakpointsRequest({ source: bp.source, breakpoints: [] });
    const exited = dc.waitForEvent('exited');
    await dc.continueRequest({ threadId: tid });
    await exited;
    assert.equal(stdout, straight);
  });
});
