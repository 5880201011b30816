// Time travel in a user program that uses the host's files: its host file
// I/O is recorded going forward and a replay is served from the record
// (simulator/user/hostJournal.ts). guests/userfile.c appends a line to a
// host file and reads the file back: going back over the read gives the
// same bytes, going forward again prints once, and the file holds what one
// run wrote — a replay that touched the host would have appended again.
// test/programs/files.c (every kind of file and directory call) goes back
// to its start and forward again to the output of an uninterrupted run.

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

const SOURCE = path.join(GUESTS, 'userfile.c');
const READ_LINE = lineOf(SOURCE, '/* READ:');
const PRINT_LINE = lineOf(SOURCE, '/* PRINT:');
const FILES_SOURCE = path.join(ROOT, 'test/programs/files.c');
const skip = SKIP || skipUnless('musl-gcc');
const FIRST = 'first line\n';
/** Replays from the start only, and from checkpoints every 10 000 instructions (open files, offsets and the record's position in them). */
const HOW: [string, Record<string, unknown>][] = [['no checkpoints', { checkpointMemory: 0 }], ['checkpoints', { checkpointInterval: 10_000 }]];

describe('user-mode time travel over host file I/O', { skip }, () => {
  let dc: DebugClient | null = null;
  let dir = '', program = '', files = '';
  let stdout = '';
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-adapter-userfile-'));
    program = compileUserGuest(SOURCE, path.join(dir, 'userfile'));
    files = compileUserGuest(FILES_SOURCE, path.join(dir, 'files'));
  });
  afterEach(async () => { if (dc) await stopClient(dc); dc = null; });

  async function start(args: Record<string, unknown>, configure: () => Promise<unknown>): Promise<DebugProtocol.StoppedEvent> {
    dc = await startClient();
    stdout = '';
    dc.on('output', (e: DebugProtocol.OutputEvent) => { if (e.body.category === 'stdout') stdout += e.body.output; });
    const stopped = dc.waitForEvent('stopped');
    await launch(dc, args, configure);
    return (await stopped) as DebugProtocol.StoppedEvent;
  }

  async function stopAfter(send: () => Promise<unknown>): Promise<{ event: DebugProtocol.StoppedEvent; top: DebugProtocol.StackFrame }> {
    const stopped = dc!.waitForEvent('stopped');
    await send();
    const event = (await stopped) as DebugProtocol.StoppedEvent;
    const top = (await dc!.stackTraceRequest({ threadId: event.body.threadId! })).body.stackFrames[0];
    return { event, top };
  }

  async function evaluate(frameId: number, expression: string): Promise<string> {
    return (await dc!.evaluateRequest({ expression, frameId })).body.result;
  }

  for (const [how, opts] of HOW) {
    test(`stepBack and reverseContinue over the reads see the same bytes; forward again prints once; the file is as after one run (${how})`, async () => {
      const log = path.join(dir, `log-${how.replace(/\W+/g, '-')}.txt`);
      fs.writeFileSync(log, FIRST);
      const bp = (lines: number[]) => dc!.setBreakpointsRequest({ source: { path: SOURCE }, breakpoints: lines.map((line) => ({ line })) });
      const first = await start({ program, args: [log], ...opts }, () => bp([PRINT_LINE]));
      const tid = first.body.threadId!;
      let top = (await dc!.stackTraceRequest({ threadId: tid })).body.stackFrames[0];
      assert.equal(top.line, PRINT_LINE);
      assert.equal(await evaluate(top.id, 'n'), '15');
      assert.equal(await evaluate(top.id, 'runs'), '1');
      assert.equal(fs.readFileSync(log, 'utf8'), FIRST + 'run\n');

      // back to before the read: the replay appended nothing and read nothing
      await bp([READ_LINE, PRINT_LINE]);
      const atRead = await stopAfter(() => dc!.customRequest('reverseContinue', { threadId: tid }));
      assert.equal(atRead.event.body.reason, 'breakpoint');
      assert.equal(atRead.top.line, READ_LINE);
      assert.equal(fs.readFileSync(log, 'utf8'), FIRST + 'run\n');
      // over the read again: the recorded bytes
      const over = await stopAfter(() => dc!.nextRequest({ threadId: tid }));
      assert.equal(await evaluate(over.top.id, 'n'), '15');
      assert.equal(await evaluate(over.top.id, 'buf[11]'), "114 'r'");
      // and back over it, one line
      const back = await stopAfter(() => dc!.customRequest('stepBack', { threadId: tid }));
      assert.equal(back.top.line, READ_LINE);
      await bp([PRINT_LINE]);
      const again = await stopAfter(() => dc!.continueRequest({ threadId: tid }));
      assert.equal(again.top.line, PRINT_LINE);
      assert.equal(await evaluate(again.top.id, 'runs'), '1');
      assert.equal(stdout, '');

      await bp([]);
      const exited = dc!.waitForEvent('exited');
      await dc!.continueRequest({ threadId: tid });
      await exited;
      assert.equal(stdout, 'bytes=15 runs=1\n');
      assert.equal(fs.readFileSync(log, 'utf8'), FIRST + 'run\n');
    });
  }

  for (const [how, opts] of HOW) {
    test(`files.c (files, links, directories, mmap) goes back to its start and forward to the output of an uninterrupted run (${how})`, async () => {
      const straight = spawnSync(process.execPath, [path.join(ROOT, 'bin/ksw'), 'exec', files], { encoding: 'utf8', env: {} });
      assert.equal(straight.status, 0, straight.stderr);
      const first = await start({ program: files, ...opts }, () => dc!.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'list' }] }));
      assert.equal(first.body.reason, 'function breakpoint');
      const tid = first.body.threadId!;
      const printed = stdout;
      const callerLine = async () => (await dc!.stackTraceRequest({ threadId: tid })).body.stackFrames[1].line;
      const firstCall = await callerLine();
      // forward to the second listing and back to the first: the directory read from the record
      const second = await stopAfter(() => dc!.continueRequest({ threadId: tid }));
      assert.equal(second.event.body.reason, 'function breakpoint');
      assert.notEqual(await callerLine(), firstCall);
      const back = await stopAfter(() => dc!.customRequest('reverseContinue', { threadId: tid }));
      assert.equal(back.event.body.reason, 'function breakpoint');
      assert.equal(await callerLine(), firstCall);
      await dc!.setFunctionBreakpointsRequest({ breakpoints: [] });
      const atStart = await stopAfter(() => dc!.customRequest('reverseContinue', { threadId: tid }));
      assert.equal(atStart.event.body.reason, 'entry');
      const exited = dc!.waitForEvent('exited');
      await dc!.continueRequest({ threadId: tid });
      await exited;
      assert.ok(printed.length > 0 && stdout.startsWith(printed));
      assert.equal(stdout, straight.stdout);
    });
  }
});
