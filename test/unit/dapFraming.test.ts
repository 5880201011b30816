// The adapter's DAP reader (adapter/framing.ts) and message checks
// (adapter/requestCheck.ts): every malformed input is a problem with a
// reason (and the request, when the text still names one), the reader
// resynchronises on the next header, and nothing buffers without bound.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { FrameReader, MAX_BODY_BYTES, MAX_HEADER_BYTES, RequestRef } from '../../adapter/framing';
import { argumentsProblem, MAX_NESTING, messageShape, nesting } from '../../adapter/requestCheck';

function frame(body: string): string {
  return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

function read(...chunks: (string | Buffer)[]): { messages: unknown[]; problems: { reason: string; request?: RequestRef }[] } {
  const messages: unknown[] = [], problems: { reason: string; request?: RequestRef }[] = [];
  const r = new FrameReader({ message: (m) => messages.push(m), problem: (reason, request) => problems.push({ reason, request }) });
  for (const c of chunks) r.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  return { messages, problems };
}

const THREADS = JSON.stringify({ seq: 7, type: 'request', command: 'threads' });

test('well-formed frames are read whole, even split byte by byte and several per chunk', () => {
  const two = frame(THREADS) + frame(THREADS);
  assert.equal(read(two).messages.length, 2);
  const r = read(...[...Buffer.from(two)].map((b) => Buffer.from([b])));
  assert.equal(r.messages.length, 2);
  assert.equal(r.problems.length, 0);
});

test('a body that is not JSON is a problem; the request is named when its text shows it', () => {
  const r = read(frame('{"seq":5,"type":"request","command":"evaluate","arguments":{'));
  assert.equal(r.messages.length, 0);
  assert.match(r.problems[0].reason, /not valid JSON/);
  assert.deepEqual(r.problems[0].request, { seq: 5, command: 'evaluate' });
  assert.equal(read(frame('{bad')).problems[0].request, undefined);
});

test('a Content-Length shorter than its body: the cut message is a problem, the rest is skipped, the next frame is read', () => {
  const r = read(`Content-Length: ${THREADS.length - 1}\r\n\r\n${THREADS}` + frame(THREADS));
  assert.equal(r.messages.length, 1);
  assert.match(r.problems[0].reason, /not valid JSON/);
  assert.deepEqual(r.problems[0].request, { seq: 7, command: 'threads' });
  assert.match(r.problems[1].reason, /skipped \d+ bytes that are not a DAP header/);
});

test('garbage is reported as soon as it arrives, with control characters escaped, then frames are read again', () => {
  const r = read('\x1b[2Jhello\r\n');
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0].reason, /skipped 11 bytes .*'\\x1b\[2Jhello\\x0d\\x0a'/);
  const r2 = read('xyzContent-Len', 'gth: 2\r\n\r\n{}');
  assert.deepEqual(r2.messages, [{}]);
  assert.equal(r2.problems.length, 1, 'only the 3 bytes before the header');
});

test('a nonsense, negative, huge or missing Content-Length is refused at once and the frame skipped', () => {
  for (const v of ['abc', '-5', '1e3', '99999999999', String(MAX_BODY_BYTES + 1), '']) {
    const r = read(`Content-Length: ${v}\r\n\r\n{"x":1}` + frame(THREADS));
    assert.match(r.problems[0].reason, /Content-Length .* (is not a byte count|is more than)|does not end/, v);
    assert.equal(r.messages.length, 1, v);
  }
  const lf = read('Content-Length: 2\n\n{}' + frame(THREADS));
  assert.match(lf.problems[0].reason, /does not end with \\r\\n/);
  assert.equal(lf.messages.length, 1);
});

test('a header that never ends is refused after MAX_HEADER_BYTES, not buffered forever', () => {
  const r = read('Content-Length: 5\r\nX: ' + 'a'.repeat(MAX_HEADER_BYTES * 2));
  assert.match(r.problems[0].reason, /header longer than/);
});

test('message shape: null, numbers, arrays, events, requests without seq or command are invalid', () => {
  for (const m of [null, 3, 'x', [], { type: 'event', event: 'x' }, { type: 'request', command: 'x' }, { type: 'request', seq: 1 }, { type: 'request', seq: -1, command: 'x' }]) {
    assert.equal(messageShape(m).kind, 'invalid', JSON.stringify(m));
  }
  assert.equal(messageShape({ type: 'response', seq: 1 }).kind, 'response');
  const bad = messageShape({ type: 'request', seq: 3, command: 'launch', arguments: null });
  assert.equal(bad.kind, 'invalid');
  assert.deepEqual((bad as { request?: RequestRef }).request, { seq: 3, command: 'launch' });
});

test('deep nesting is measured without recursion and refused above MAX_NESTING, naming the request', () => {
  let deep: unknown = 1;
  for (let i = 0; i < 100_000; i++) deep = { a: deep };
  assert.equal(nesting(deep, MAX_NESTING + 1), MAX_NESTING + 1);
  const s = messageShape({ type: 'request', seq: 1, command: 'launch', arguments: { program: 'x', params: deep } });
  assert.equal(s.kind, 'invalid');
  assert.match((s as { reason: string }).reason, /launch request nests deeper than 64 levels/);
  assert.equal(messageShape({ type: 'request', seq: 1, command: 'launch', arguments: { params: { a: { b: [1, [2]] } } } }).kind, 'request');
});

test('request arguments: missing, mistyped and out-of-range values are named', () => {
  const p = (command: string, args: unknown) => argumentsProblem({ seq: 1, command, arguments: args });
  assert.equal(p('readMemory', { memoryReference: '0x10', count: 16 }), null);
  assert.match(p('readMemory', { memoryReference: '0x10', count: -1 })!, /readMemory: 'count' must be an integer from 0 to 1048576 \(got -1\)/);
  assert.match(p('readMemory', { memoryReference: '0x10', count: 'ten' })!, /'count' must be an integer .*got 'ten'/);
  assert.match(p('readMemory', { memoryReference: '0x10', count: 2 ** 64 })!, /'count' must be an integer/);
  assert.match(p('readMemory', { count: 1 })!, /'memoryReference' is required/);
  assert.match(p('writeMemory', { memoryReference: '0x10' })!, /'data' is required/);
  assert.match(p('writeMemory', { memoryReference: '0x10', data: '!!' })!, /'data' is not base64/);
  assert.match(p('evaluate', { expression: null })!, /'expression' must be a string \(got null\)/);
  assert.match(p('evaluate', { expression: 42 })!, /'expression' must be a string \(got 42\)/);
  assert.match(p('setBreakpoints', { source: null })!, /'source' must be an object \(got null\)/);
  assert.match(p('setBreakpoints', { source: {}, breakpoints: [{ line: 'x' }] })!, /'breakpoints\[0\]\.line' must be an integer/);
  assert.match(p('disassemble', { memoryReference: '0', instructionCount: 1.5 })!, /'instructionCount' must be an integer/);
  assert.match(p('stackTrace', {})!, /'threadId' is required/);
  assert.equal(p('someCustomRequest', { anything: 1 }), null, 'requests without rules pass');
  assert.equal(p('__proto__', {}), null, 'found by the fuzz suite: Object.prototype is no rule table');
  assert.equal(p('constructor', {}), null);
  assert.match(p('source', undefined)!, /source: 'sourceReference' is required/, 'found by the fuzz suite');
  assert.match(p('initialize', undefined)!, /initialize: 'adapterID' is required/);
});
