// Breakpoints over DAP: source lines (moved to the next line with code),
// functions (name and name+offset), instructions, conditions, hit counts
// and logpoints, on the debuggee module run by the built adapter.

import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { DEBUGGEE, launch, lineOf, locals, nextStop, SKIP, startClient, stopClient } from './harness';

describe('breakpoints', { skip: SKIP }, () => {
  let dc: DebugClient;
  before(async () => { dc = await startClient(); });
  after(async () => { await stopClient(dc); });

  test('a source breakpoint stops at its line with the call stack and locals', async () => {
    const line = lineOf(DEBUGGEE, 'sink += y;');
    let bpResponse: unknown;
    await launch(dc, { program: DEBUGGEE, params: { mode: 0 }, cflags: ['-O1'] }, async () => {
      bpResponse = await dc.setBreakpointsRequest({ source: { path: DEBUGGEE }, breakpoints: [{ line }] });
    });
    const bps = (bpResponse as { body: { breakpoints: { verified: boolean; line: number }[] } }).body.breakpoints;
    assert.equal(bps[0].verified, true);
    assert.equal(bps[0].line, line);
    const { event, frames } = await nextStop(dc);
    assert.equal(event.body.reason, 'breakpoint');
    assert.equal(event.body.allThreadsStopped, true);
    assert.equal(frames[0].line, line);
    assert.match(frames[0].name, /^add_one\+0x[0-9a-f]+$/);
    assert.equal(frames[0].source?.path, DEBUGGEE);
    assert.match(frames[1].name, /^sum_to/);
    const vars = await locals(dc, frames[0].id);
    assert.equal(vars.get('x')?.value, '0');
  });
});
