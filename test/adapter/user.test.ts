// A user-mode program over DAP (a static executable, musl-gcc -static -g):
// breakpoints by line and function, stepping by line, locals and the call
// stack from the debugger's own shadow stack, stdout as output events, a
// fault as an exception stop, and the exit code.

import { afterEach, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { GUESTS, launch, lineOf, locals, nextStop, SKIP, startClient, stopClient } from './harness';
import { skipUnless } from '../tools';

const SOURCE = path.join(GUESTS, 'userprog.c');
const MUSL = process.env.MUSL_GCC || 'musl-gcc';
const skip = SKIP || skipUnless('musl-gcc');

describe('user-mode program', { skip }, () => {
  let dc: DebugClient | null = null;
  let program = '';
  before(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-adapter-user-'));
    program = path.join(dir, 'userprog');
    const r = spawnSync(MUSL, ['-static', '-g', '-O0', '-o', program, SOURCE], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
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

  test('stackWatch needs a kernel module: the launch says so', async () => {
    dc = await startClient();
    await dc.initializeRequest();
    await assert.rejects(dc.launchRequest({ program, stackWatch: 'fn=main' } as never), /'stackWatch' needs a kernel module/);
  });
});
