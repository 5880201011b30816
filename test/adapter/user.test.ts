// A user-mode program over DAP (a static executable, musl-gcc -static -g):
// breakpoints by line and function, stepping by line, locals and the call
// stack from the debugger's own shadow stack, stdout as output events, a
// fault as an exception stop, and the exit code; a threaded program's
// threads as DAP threads, each with its own call stack.

import { afterEach, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { compileUserGuest, GUESTS, launch, lineOf, locals, MUSL, nextStop, SKIP, startClient, stopClient } from './harness';
import { skipUnless } from '../tools';

const SOURCE = path.join(GUESTS, 'userprog.c');
const THREADS_SOURCE = path.join(GUESTS, 'userthreads.c');
const skip = SKIP || skipUnless('musl-gcc');

describe('user-mode program', { skip }, () => {
  let dc: DebugClient | null = null;
  let program = '', threaded = '';
  before(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-adapter-user-'));
    program = compileUserGuest(SOURCE, path.join(dir, 'userprog'));
    threaded = compileUserGuest(THREADS_SOURCE, path.join(dir, 'userthreads'));
  });
  afterEach(async () => { if (dc) await stopClient(dc); dc = null; });

  test('a line breakpoint, locals, the call stack, a step, stdout and the exit code', async () => {
    dc = await startClient();
    const out: string[] = [];
    dc.on('output', (e) => { const o = (e as DebugProtocol.OutputEvent).body; if (o.category === 'stdout') out.push(o.output); });
    const stopped = nextStop(dc);
    const exited = dc.waitForEvent('exited');
    await launch(dc, { program }, () => dc!.setBreakpointsRequest({ source: { path: SOURCE }, breakpoints: [{ line: lineOf(SOURCE, 'return r;'), condition: 'v == 3' }] }));
    const { event, frames } = await stopped;
    assert.equal(event.body.reason, 'breakpoint');
    assert.match(frames[0].name, /^square\+/);
    assert.match(frames[1].name, /^main\+/);
    assert.equal(frames[1].line, lineOf(SOURCE, 'total += square(i);'));
    const vars = await locals(dc, frames[0].id);
    assert.equal(vars.get('v')?.value, '3');
    assert.equal(vars.get('r')?.value, '9');
    assert.equal((await locals(dc, frames[1].id)).get('total')?.value, '5', 'the caller frame is read through its CFA');
    const threads = (await dc.threadsRequest()).body.threads;
    assert.deepEqual(threads.map((t) => t.name), ['userprog (pid 1000) [CPU 0]']);
    const stepped = nextStop(dc);
    await dc.stepOutRequest({ threadId: event.body.threadId! });
    assert.match((await stepped).frames[0].name, /^main\+/);
    await dc.continueRequest({ threadId: event.body.threadId! });
    assert.equal(((await exited) as DebugProtocol.ExitedEvent).body.exitCode, 30 % 7);
    assert.deepEqual(out, ['total=30\n']);
  });

  test('a fault stops with exception; continuing ends with the signal status', async () => {
    dc = await startClient();
    const stopped = nextStop(dc);
    const exited = dc.waitForEvent('exited');
    await launch(dc, { program, args: ['crash'] });
    const { event, frames } = await stopped;
    assert.equal(event.body.reason, 'exception');
    assert.match(event.body.description ?? '', /page fault: write at 0x0/);
    assert.match(frames[0].name, /^main\+/);
    assert.equal(frames[0].line, lineOf(SOURCE, '*nowhere = 1;'));
    await dc.continueRequest({ threadId: event.body.threadId! });
    assert.equal(((await exited) as DebugProtocol.ExitedEvent).body.exitCode, 128 + 11);
  });

  test('threads: each guest thread is a DAP thread with its own call stack; a breakpoint stops the thread that hit it', async () => {
    dc = await startClient();
    const threadEvents: number[] = [];
    dc.on('thread', (e) => { const b = (e as DebugProtocol.ThreadEvent).body; if (b.reason === 'started') threadEvents.push(b.threadId); });
    const stopped = nextStop(dc);
    const exited = dc.waitForEvent('exited');
    await launch(dc, { program: threaded }, () => dc!.setBreakpointsRequest({ source: { path: THREADS_SOURCE }, breakpoints: [{ line: lineOf(THREADS_SOURCE, 'return s;'), condition: 'from == 100' }] }));
    const { event, frames } = await stopped;
    assert.equal(event.body.reason, 'breakpoint');
    const worker = event.body.threadId!;
    assert.notEqual(worker, 1000, 'the worker thread stopped, not main');
    assert.match(frames[0].name, /^sum_range\+/);
    assert.match(frames[1].name, /^worker\+/);
    assert.equal((await locals(dc, frames[0].id)).get('s')?.value, String(100 * 100 + 4950));
    const threads = (await dc.threadsRequest()).body.threads;
    assert.ok(threads.length >= 2, JSON.stringify(threads));
    assert.ok(threads.some((t) => t.id === 1000 && t.name === 'userthreads (pid 1000) [CPU 0]'), JSON.stringify(threads));
    assert.ok(threads.some((t) => t.id === worker && t.name === `userthreads (pid ${worker}) [CPU 0]`), JSON.stringify(threads));
    assert.ok(threadEvents.includes(worker), 'a thread event announced the worker');
    // main's own stack, from its saved registers and shadow stack: it is inside pthread_create or pthread_join, called from main
    const mainFrames = (await dc.stackTraceRequest({ threadId: 1000 })).body.stackFrames;
    assert.ok(mainFrames.some((f) => /^main\+/.test(f.name)), JSON.stringify(mainFrames.map((f) => f.name)));
    assert.ok(!mainFrames.some((f) => /^sum_range\+/.test(f.name)), 'no worker frame on main\'s stack');
    await dc.setBreakpointsRequest({ source: { path: THREADS_SOURCE }, breakpoints: [] });
    await dc.continueRequest({ threadId: worker });
    assert.equal(((await exited) as DebugProtocol.ExitedEvent).body.exitCode, (4950 + 10000 + 4950 + 20000) % 100);
  });

  test('cpus: a user program\'s threads run on that many CPUs, and each DAP thread names the CPU it is on', async () => {
    dc = await startClient();
    const stopped = nextStop(dc);
    const exited = dc.waitForEvent('exited');
    await launch(dc, { program: threaded, cpus: 2 }, () => dc!.setBreakpointsRequest({ source: { path: THREADS_SOURCE }, breakpoints: [{ line: lineOf(THREADS_SOURCE, 'return s;') }] }));
    const { event } = await stopped;
    const threads = (await dc.threadsRequest()).body.threads;
    const cpus = threads.map((t) => Number(/\[CPU (\d+)\]$/.exec(t.name)?.[1]));
    assert.ok(cpus.every((c) => c === 0 || c === 1), JSON.stringify(threads));
    assert.ok(new Set(cpus).size === 2, `two CPUs in use: ${JSON.stringify(threads)}`);
    assert.ok(threads.some((t) => t.id === event.body.threadId), JSON.stringify(threads));
    await dc.setBreakpointsRequest({ source: { path: THREADS_SOURCE }, breakpoints: [] });
    await dc.continueRequest({ threadId: event.body.threadId! });
    assert.equal(((await exited) as DebugProtocol.ExitedEvent).body.exitCode, (4950 + 10000 + 4950 + 20000) % 100);
  });

  test('maxTime bounds a user program that sleeps forever: the session ends with the reason', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-adapter-sleeper-'));
    try {
      const src = path.join(dir, 'sleeper.c'), exe = path.join(dir, 'sleeper');
      fs.writeFileSync(src, '#include <unistd.h>\nint main(void) { for (;;) sleep(1); }\n');
      const r = spawnSync(MUSL, ['-static', '-O2', '-o', exe, src], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      dc = await startClient();
      const out: string[] = [];
      dc.on('output', (e) => out.push((e as DebugProtocol.OutputEvent).body.output));
      const exited = dc.waitForEvent('exited');
      const terminated = dc.waitForEvent('terminated');
      await launch(dc, { program: exe, maxTime: '30s' });
      assert.equal(((await exited) as DebugProtocol.ExitedEvent).body.exitCode, 3);
      await terminated;
      assert.match(out.join(''), /simulated time limit reached \(maxTime 30 s\)/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('stackWatch needs a kernel module: the launch says so', async () => {
    dc = await startClient();
    await dc.initializeRequest();
    await assert.rejects(dc.launchRequest({ program, stackWatch: 'fn=main' } as never), /'stackWatch' needs a kernel module/);
  });
});
