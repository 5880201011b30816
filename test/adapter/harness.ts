// Shared set-up for the adapter tests: the built adapter (dist/adapter.js)
// driven over stdio by DebugClient, guest sources under test/adapter/guests
// (the adapter compiles a .c program itself, as `ksw cc` would), and a few
// helpers for the launch handshake and for waiting on events.

import * as path from 'node:path';
import * as fs from 'node:fs';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { spawnSync } from 'node:child_process';
import * as assert from 'node:assert/strict';
import { skipUnless } from '../tools';

export const ROOT = path.resolve(__dirname, '../../..');
export const MUSL = process.env.MUSL_GCC || 'musl-gcc';

/** Build a user-mode guest as the user-program tests debug it: musl-gcc -static -g -O0. */
export function compileUserGuest(source: string, out: string): string {
  const r = spawnSync(MUSL, ['-static', '-g', '-O0', '-o', out, source], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return out;
}
export const ADAPTER = path.join(ROOT, 'dist/adapter.js');
export const GUESTS = path.join(ROOT, 'test/adapter/guests');
export const DEBUGGEE = path.join(GUESTS, 'debuggee.c');
export const SCENARIOS = path.join(ROOT, 'examples/kstackwatch/kstackwatch_test.c');

/** A reason to skip when the tests cannot run here (node:test `skip` option; a missing gcc never skips under CI=true). */
export const SKIP: string | false = skipUnless('gcc') || (!fs.existsSync(ADAPTER) ? 'dist/adapter.js is not built (npm run build)' : false);

/** Generous: a test guest is compiled at launch. */
export const TIMEOUT = 30_000;

/** A DebugClient on the built adapter; `timeout`: how long a request or an awaited event may take before the test fails. */
export async function startClient(timeout = TIMEOUT): Promise<DebugClient> {
  const dc = new DebugClient(process.execPath, ADAPTER, 'kstackwatch', { stdio: ['pipe', 'pipe', 'pipe'] }, true);
  dc.defaultTimeout = timeout;
  await dc.start();
  return dc;
}

/** The line of the first source line containing `marker` (1-based). */
export function lineOf(file: string, marker: string): number {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(marker));
  if (i < 0) throw new Error(`no '${marker}' in ${file}`);
  return i + 1;
}

/**
 * initialize + launch; once 'initialized' arrives, `configure` sets
 * breakpoints, then configurationDone. Resolves with the launch response.
 */
export async function launch(dc: DebugClient, args: Record<string, unknown>, configure: () => Promise<unknown> = async () => undefined): Promise<DebugProtocol.LaunchResponse> {
  const [, response] = await Promise.all([
    dc.waitForEvent('initialized').then(async () => {
      await configure();
      await dc.configurationDoneRequest();
    }),
    dc.launch(args),
  ]);
  return response;
}

/** Wait for the next stopped event and the top frames of its thread. */
export async function nextStop(dc: DebugClient): Promise<{ event: DebugProtocol.StoppedEvent; frames: DebugProtocol.StackFrame[] }> {
  const event = (await dc.waitForEvent('stopped')) as DebugProtocol.StoppedEvent;
  const st = await dc.stackTraceRequest({ threadId: event.body.threadId! });
  return { event, frames: st.body.stackFrames };
}

/** Locals of a frame, by name. */
export async function locals(dc: DebugClient, frameId: number): Promise<Map<string, DebugProtocol.Variable>> {
  const scopes = await dc.scopesRequest({ frameId });
  const loc = scopes.body.scopes.find((s) => s.name === 'Locals');
  if (!loc) return new Map();
  const vars = await dc.variablesRequest({ variablesReference: loc.variablesReference });
  return new Map(vars.body.variables.map((v) => [v.name, v]));
}

export async function stopClient(dc: DebugClient): Promise<void> {
  try {
    await dc.disconnectRequest({ terminateDebuggee: true });
  } catch {
    // the adapter may have ended the session already
  }
  await dc.stop();
}
