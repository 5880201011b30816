// Going back onto a breakpoint's line and continuing: the task resumes at
// the breakpoint's address, where it stands, so that is not a new hit (as
// x86's RF flag does for a resumed instruction breakpoint): it runs on to
// the next pass, with or without checkpoints.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { compileUserGuest, GUESTS, launch, lineOf, SKIP, startClient, stopClient } from './harness';
import { skipUnless } from '../tools';

const SOURCE = path.join(GUESTS, 'userlong.c');
const WORK_START = lineOf(SOURCE, '/* WORK_START:');

for (const opts of [{ checkpointMemory: 0 }, { checkpointInterval: 10_000 }]) test(`stepBack onto a breakpoint's line, then continue: the next pass stops, not the same one (${JSON.stringify(opts)})`, { skip: SKIP || skipUnless('musl-gcc') }, async () => {
  const program = compileUserGuest(SOURCE, path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-repro-')), 'userlong'));
  const dc = await startClient();
  const stopAfter = async (send: () => Promise<unknown>) => {
    const time = dc.waitForEvent('kstackwatch.time');
    const stopped = dc.waitForEvent('stopped');
    await send();
    const event = (await stopped) as DebugProtocol.StoppedEvent;
    const frames = (await dc.stackTraceRequest({ threadId: event.body.threadId! })).body.stackFrames;
    return { event, line: frames[0].line, insns: (await time).body.insns as number };
  };
  const hit = await stopAfter(() => launch(dc, { program, ...opts }, () => dc.setBreakpointsRequest({ source: { path: SOURCE }, breakpoints: [{ line: WORK_START }] })));
  const tid = hit.event.body.threadId!;
  const next = await stopAfter(() => dc.nextRequest({ threadId: tid }));
  const back = await stopAfter(() => dc.customRequest('stepBack', { threadId: tid }));
  const cont = await stopAfter(() => dc.continueRequest({ threadId: tid }));
  await stopClient(dc);
  assert.deepEqual([hit.line, next.line, back.line, back.insns], [WORK_START, WORK_START + 1, WORK_START, hit.insns], 'stepBack lands on the hit');
  assert.equal(cont.event.body.reason, 'breakpoint');
  assert.equal(cont.line, WORK_START);
  assert.ok(cont.insns > hit.insns, `continue from ${back.insns} stopped at ${cont.insns}`);
});
