// Hostile DAP traffic (issue 15): malformed frames, null bodies, short or
// nonsense Content-Length, garbage and deep nesting are answered with an
// error where a request can be identified and logged with a reason
// otherwise — the adapter never exits silently or hangs, and keeps
// answering. On a stopped program, every request's work is bounded
// (disassemble with absurd offsets and counts), bad arguments are clean
// errors (no JS stack in any message), and writeMemory is all or nothing.

import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EventEmitter } from 'node:events';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { ADAPTER, DEBUGGEE, launch, lineOf, nextStop, SKIP, startClient, stopClient } from './harness';

/** A JS stack frame line, as `at f (file.js:1:2)` shows it. */
const JS_STACK = /\bat .*\.js:\d+|\n\s+at /;

function frame(body: string): string {
  return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** The adapter over raw stdio: send bytes, collect every message and its stderr. */
class RawAdapter {
  readonly proc: ChildProcessWithoutNullStreams;
  readonly messages: DebugProtocol.ProtocolMessage[] = [];
  stderr = '';
  private buf = Buffer.alloc(0);
  private seq = 1000;
  /** Told of every message as it arrives (waits are on events, not sleeps). */
  private readonly arrivals = new EventEmitter();

  constructor() {
    this.proc = spawn(process.execPath, [ADAPTER]);
    this.proc.stdout.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      for (let m; (m = /^Content-Length: (\d+)\r\n\r\n/.exec(this.buf.toString('latin1', 0, 40)));) {
        const start = m[0].length, end = start + Number(m[1]);
        if (this.buf.length < end) break;
        this.messages.push(JSON.parse(this.buf.toString('utf8', start, end)));
        this.buf = this.buf.subarray(end);
        this.arrivals.emit('message');
      }
    });
    this.proc.stderr.on('data', (d: Buffer) => { this.stderr += d.toString(); });
  }

  send(raw: string | Buffer): void {
    this.proc.stdin.write(raw);
  }

  /** A threads request, answered only if the adapter still reads its input. */
  async alive(): Promise<void> {
    const seq = ++this.seq;
    this.send(frame(JSON.stringify({ seq, type: 'request', command: 'threads' })));
    await this.response(seq);
  }

  /** The response to request `seq`, as soon as it arrives; fails if the adapter exits or never answers. */
  response(seq: number): Promise<DebugProtocol.Response> {
    const find = () => this.messages.find((m) => m.type === 'response' && (m as DebugProtocol.Response).request_seq === seq) as DebugProtocol.Response | undefined;
    const already = find();
    if (already) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const done = (): void => { clearTimeout(timer); this.arrivals.off('message', check); this.proc.off('exit', exited); };
      const check = (): void => { const r = find(); if (r) { done(); resolve(r); } };
      const exited = (code: number | null): void => { done(); reject(new Error(`the adapter exited (${code}); stderr: ${this.stderr}`)); };
      // a liveness bound (an adapter that stopped reading), generous for a loaded machine
      const timer = setTimeout(() => { done(); reject(new Error(`no response to request ${seq}`)); }, 30_000);
      this.arrivals.on('message', check);
      this.proc.on('exit', exited);
      if (this.proc.exitCode !== null) exited(this.proc.exitCode);
    });
  }

  outputs(): string {
    return this.messages.filter((m) => m.type === 'event' && (m as DebugProtocol.Event).event === 'output')
      .map((m) => (m as DebugProtocol.OutputEvent).body.output).join('');
  }

  stop(): void {
    this.proc.kill();
  }
}

describe('hostile DAP framing', { skip: SKIP }, () => {
  const cases: [string, string | Buffer, RegExp, number?][] = [
    ['a malformed JSON frame', frame('{"seq":1,"type":"request","command":"evaluate","arguments":{'), /not valid JSON/, 1],
    ['a null body', frame('null'), /a message is null, not a request object/],
    ['a number body', frame('42'), /a message is a number/],
    ['a Content-Length shorter than its body', 'Content-Length: 55\r\n\r\n{"seq":2,"type":"request","command":"threads","arguments":{}}', /not valid JSON/, 2],
    ['garbage bytes', Buffer.from([0xff, 0xfe, 0x00, 0x1b, 0x41, 0x0d, 0x0a]), /skipped 7 bytes that are not a DAP header/],
    ['a nonsense Content-Length', 'Content-Length: banana\r\n\r\n{}', /Content-Length 'banana' is not a byte count/],
    ['a huge Content-Length', 'Content-Length: 999999999\r\n\r\n{}', /Content-Length 999999999 is more than/],
    ['a request without a command', frame('{"seq":3,"type":"request"}'), /needs an integer 'seq' and a 'command'/],
    ['arguments that are not an object', frame('{"seq":4,"type":"request","command":"launch","arguments":null}'), /launch: 'arguments' must be an object/, 4],
  ];
  for (const [what, bytes, reason, seq] of cases) {
    test(`${what}: ${seq ? 'an error response' : 'a logged reason'}, and the adapter goes on`, async () => {
      const a = new RawAdapter();
      try {
        a.send(bytes);
        if (seq) {
          const r = await a.response(seq);
          assert.equal(r.success, false);
          assert.match(r.message!, reason);
        }
        await a.alive();
        assert.match(a.stderr, reason, 'the reason is on stderr');
        if (!seq) assert.match(a.outputs(), reason, 'and in the debug console');
        assert.doesNotMatch(a.stderr + a.outputs(), JS_STACK);
      } finally {
        a.stop();
      }
    });
  }

  test('a launch whose params nest 5000 levels deep is refused with a message', async () => {
    const a = new RawAdapter();
    try {
      const params = '{"p":'.repeat(5000) + '1' + '}'.repeat(5000); // JSON.stringify itself overflows on it
      a.send(frame(`{"seq":1,"type":"request","command":"launch","arguments":{"program":${JSON.stringify(DEBUGGEE)},"params":${params}}}`));
      const r = await a.response(1);
      assert.equal(r.success, false);
      assert.match(r.message!, /the launch request nests deeper than 64 levels/);
      await a.alive();
    } finally {
      a.stop();
    }
  });
});

describe('hostile requests on a stopped program', { skip: SKIP }, () => {
  let dc: DebugClient;
  let top: DebugProtocol.StackFrame;
  const failure = async (command: string, args: unknown): Promise<string> => {
    try {
      await dc.customRequest(command, args);
    } catch (e) {
      const m = (e as Error).message;
      assert.doesNotMatch(m, JS_STACK, `${command}: no JS stack`);
      assert.doesNotMatch(m, /internal error/, `${command}: a user error, not an internal one`);
      return m;
    }
    assert.fail(`${command} succeeded`);
  };

  before(async () => {
    dc = await startClient();
    const stopped = nextStop(dc);
    await launch(dc, { program: DEBUGGEE, params: { mode: 0 }, cflags: ['-O0'] }, () =>
      dc.setBreakpointsRequest({ source: { path: DEBUGGEE }, breakpoints: [{ line: lineOf(DEBUGGEE, 'sink += y;') }] }));
    top = (await stopped).frames[0];
  });
  after(async () => { await stopClient(dc); });

  test('disassemble with an offset of -1e9 or a count of 1e9 answers at once with a bounded part, and says so', async () => {
    const ip = top.instructionPointerReference!;
    const output = dc.waitForEvent('output');
    const far = await dc.disassembleRequest({ memoryReference: ip, instructionOffset: -1e9, instructionCount: 50 });
    assert.equal(far.body!.instructions.length, 0, 'nothing within reach');
    assert.match((await output as DebugProtocol.OutputEvent).body.output, /disassemble: answered 0 of 50 instructions .*at most 4096/);
    for (const count of [3e6, 1e9]) {
      const many = await dc.disassembleRequest({ memoryReference: ip, instructionCount: count });
      assert.equal(many.body!.instructions.length, 4096);
      assert.equal(BigInt(many.body!.instructions[0].address), BigInt(ip));
    }
    const back = await dc.disassembleRequest({ memoryReference: ip, instructionOffset: -1e9, instructionCount: 1e9 + 2 });
    assert.equal(back.body!.instructions.length, 4096 + 2, 'the part of [-1e9, 2) within reach');
    assert.equal(BigInt(back.body!.instructions[4096].address), BigInt(ip), 'the reference sits at its place in the answer');
  });

  test('readMemory: a count of -1, "ten", 2^64 or none is an error, not a silent 0', async () => {
    const addr = (await dc.evaluateRequest({ expression: '&sink', frameId: top.id })).body.result;
    assert.match(await failure('readMemory', { memoryReference: addr, count: -1 }), /'count' must be an integer from 0 to 1048576 \(got -1\)/);
    assert.match(await failure('readMemory', { memoryReference: addr, count: 'ten' }), /'count' must be an integer/);
    assert.match(await failure('readMemory', { memoryReference: addr, count: 2 ** 64 }), /'count' must be an integer/);
    assert.match(await failure('readMemory', { memoryReference: addr }), /'count' is required/);
    assert.match(await failure('readMemory', { count: 8 }), /'memoryReference' is required/);
    assert.match(await failure('readMemory', { memoryReference: 'not-an-address', count: 8 }), /'not-an-address' is not a memory reference/);
  });

  test('writeMemory is all or nothing: a write running into unmapped memory changes no byte', async () => {
    const addr = BigInt((await dc.evaluateRequest({ expression: '&sink', frameId: top.id })).body.result);
    const mapped = (await dc.customRequest('readMemory', { memoryReference: `0x${addr.toString(16)}`, count: 1024 * 1024 })).body;
    const end = addr + BigInt(Buffer.from(mapped.data, 'base64').length);
    assert.ok(mapped.unreadableBytes > 0, 'an unmapped page follows the module');
    const before8 = (await dc.customRequest('readMemory', { memoryReference: `0x${(end - 8n).toString(16)}`, count: 8 })).body.data;
    const m = await failure('writeMemory', { memoryReference: `0x${(end - 8n).toString(16)}`, data: Buffer.alloc(16, 0xcc).toString('base64') });
    assert.match(m, /cannot write 16 bytes at 0x[0-9a-f]+/);
    const after8 = (await dc.customRequest('readMemory', { memoryReference: `0x${(end - 8n).toString(16)}`, count: 8 })).body.data;
    assert.equal(after8, before8, 'the first 8 bytes were not written');
    assert.match(await failure('writeMemory', { memoryReference: '0x10' }), /'data' is required/);
    assert.match(await failure('writeMemory', { data: 'AA==' }), /'memoryReference' is required/);
  });

  test('evaluate with a null, numeric or 100k-deep expression is a clean error', async () => {
    assert.match(await failure('evaluate', { expression: null }), /'expression' must be a string \(got null\)/);
    assert.match(await failure('evaluate', { expression: 7 }), /'expression' must be a string \(got 7\)/);
    assert.match(await failure('evaluate', { expression: '('.repeat(100_000) + '1' + ')'.repeat(100_000), frameId: top.id }), /longer than 4096 characters/);
    assert.match(await failure('evaluate', { expression: '('.repeat(1000) + '1' + ')'.repeat(1000), frameId: top.id }), /nests deeper than 256 levels/);
    assert.match(await failure('evaluate', { expression: '-'.repeat(2000) + '1', frameId: top.id }), /nests deeper than 256 levels/);
    assert.match(await failure('evaluate', { expression: '{_stack}', frameId: top.id }), /unexpected character '\{'/);
  });

  test('setBreakpoints with source null, stackTrace without a thread, scopes with a string frame are clean errors', async () => {
    assert.match(await failure('setBreakpoints', { source: null, breakpoints: [{ line: 1 }] }), /'source' must be an object \(got null\)/);
    assert.match(await failure('stackTrace', {}), /'threadId' is required/);
    assert.match(await failure('scopes', { frameId: 'x' }), /'frameId' must be an integer/);
    // the session still works
    assert.equal((await dc.evaluateRequest({ expression: '1+1', frameId: top.id })).body.result, '2');
  });
});

describe('hostile programs', { skip: SKIP }, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-adapter-hostile-'));
  const fifo = path.join(tmp, 'fifo.o');
  const noInit = path.join(tmp, 'noinit.c');
  fs.writeFileSync(noInit, '#include <linux/module.h>\nint noinit_helper(int x) { return x + 1; }\nMODULE_LICENSE("GPL");\n');
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('user-mode programs that cannot load fail the launch with their reason, not an internal error', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ program: '/bin/true' }, /dynamically linked/],
      [{ program: '/bin/true', args: Array(3000).fill('x'.repeat(100)) }, /dynamically linked|argument list too long/],
    ];
    for (const [args, reason] of cases) {
      const dc = await startClient();
      try {
        await dc.initializeRequest();
        const e = await dc.launchRequest(args as never).then(() => null, (x: Error) => x.message);
        assert.ok(e, 'the launch failed');
        assert.match(e!, reason);
        assert.doesNotMatch(e!, /internal error/);
        assert.doesNotMatch(e!, JS_STACK);
      } finally {
        await dc.stop();
      }
    }
  });

  test('a guest that sleeps forever ends at the launch\'s maxTime: exit code 3, the reason, terminated', async () => {
    const sleeper = path.join(tmp, 'sleeper.c');
    fs.writeFileSync(sleeper, '#include <linux/module.h>\n#include <linux/delay.h>\nstatic int __init s_init(void) { for (;;) msleep(1000); return 0; }\nmodule_init(s_init);\nMODULE_LICENSE("GPL");\n');
    const dc = await startClient();
    try {
      const outputs: string[] = [];
      dc.on('output', (e: DebugProtocol.OutputEvent) => outputs.push(e.body.output));
      const exited = dc.waitForEvent('exited');
      const terminated = dc.waitForEvent('terminated');
      await launch(dc, { program: sleeper, maxTime: '30s' });
      assert.equal(((await exited) as DebugProtocol.ExitedEvent).body.exitCode, 3);
      await terminated;
      assert.match(outputs.join(''), /simulated time limit reached \(maxTime 30 s\): the guest was still running/);
    } finally {
      await stopClient(dc);
    }
    const bad = await startClient();
    try {
      await bad.initializeRequest();
      await assert.rejects(bad.launchRequest({ program: sleeper, maxTime: -1 } as never), /'maxTime' must be a simulated time in seconds/);
    } finally {
      await bad.stop();
    }
  });

  test('a launch of /dev/zero or a FIFO fails at once with a reason; disconnect is answered', async () => {
    const programs = ['/dev/zero'];
    if (spawnSync('mkfifo', [fifo]).status === 0) programs.push(fifo);
    for (const program of programs) {
      const dc = await startClient();
      try {
        await dc.initializeRequest();
        await assert.rejects(dc.launchRequest({ program } as never), /not a regular file/);
        await dc.disconnectRequest({});
      } finally {
        await dc.stop();
      }
    }
  });

  test('a module without module_init loads, says so, and the session ends with terminated; its scratch directory is gone', async () => {
    const dc = await startClient();
    try {
      const outputs: string[] = [];
      dc.on('output', (e: DebugProtocol.OutputEvent) => outputs.push(e.body.output));
      const terminated = dc.waitForEvent('terminated');
      await launch(dc, { program: noInit });
      await terminated;
      assert.match(outputs.join(''), /no module_init: loaded, nothing runs at init/);
      assert.doesNotMatch(outputs.join(''), JS_STACK);
      const pid = (dc as unknown as { _adapterProcess: { pid: number } })._adapterProcess.pid;
      assert.deepEqual(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(`ksw-debug-${pid}-`)), []);
    } finally {
      await stopClient(dc);
    }
  });
});
