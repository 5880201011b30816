// Looking at a stopped machine over DAP: evaluate (variables, registers,
// symbols, C expressions, casts and dereferences), setVariable on locals
// and registers, the Registers scope (RFLAGS decoded, debug registers),
// readMemory/writeMemory, disassemble with symbols and source lines,
// modules and loadedSources. The debuggee is built at -O0 so its locals
// live in the frame.

import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { DEBUGGEE, launch, lineOf, nextStop, SKIP, startClient, stopClient } from './harness';

describe('inspection', { skip: SKIP }, () => {
  let dc: DebugClient;
  let top: DebugProtocol.StackFrame;
  let frames: DebugProtocol.StackFrame[];
  const evaluate = async (expression: string, frameId = top.id) => (await dc.evaluateRequest({ expression, frameId, context: 'repl' })).body;

  before(async () => {
    dc = await startClient();
    const stopped = nextStop(dc);
    await launch(dc, { program: DEBUGGEE, params: { mode: 0 }, cflags: ['-O0'] }, () =>
      dc.setBreakpointsRequest({ source: { path: DEBUGGEE }, breakpoints: [{ line: lineOf(DEBUGGEE, 'sink += y;'), condition: 'x == 2' }] }));
    ({ frames } = await stopped);
    top = frames[0];
  });
  after(async () => { await stopClient(dc); });

  test('evaluate: locals, arithmetic, registers with or without $, symbols, casts, dereferences, sizeof', async () => {
    assert.equal((await evaluate('x')).result, '2');
    assert.equal((await evaluate('y')).result, '3');
    assert.equal((await evaluate('x * 10 + y - 1')).result, '22');
    assert.equal((await evaluate('(x << 4) | 1')).result, '33');
    assert.equal(BigInt((await evaluate('$rip')).result), BigInt(top.instructionPointerReference!));
    assert.equal((await evaluate('rsp')).result, (await evaluate('$rsp')).result);
    const addr = await evaluate('&sink');
    assert.match(addr.result, /^0xffffffffa0[0-9a-f]+$/);
    assert.equal((await evaluate(`*(u64 *)${addr.result}`)).result, (await evaluate('sink')).result);
    assert.equal((await evaluate('(char)65')).result, "65 'A'");
    assert.equal((await evaluate('sizeof(u64) + sizeof(int)')).result, '12');
    assert.equal((await evaluate('x > 1 ? 100 : 200')).result, '100');
    await assert.rejects(evaluate('no_such_thing + 1'), /no symbol 'no_such_thing'/);
    await assert.rejects(evaluate('*(void *)0'), /cannot dereference/);
    await assert.rejects(evaluate('*(u64 *)0'), /cannot access memory at 0x0/);
  });

  test('a caller frame has its own locals; of the registers it knows rsp, rip and the callee-saved ones', async () => {
    const caller = frames[1];
    assert.match(caller.name, /^sum_to\+/);
    assert.equal((await evaluate('i', caller.id)).result, '2');
    assert.equal(BigInt((await evaluate('$rip', caller.id)).result), BigInt(caller.instructionPointerReference!));
    assert.match((await evaluate('$rbx', caller.id)).result, /^0x[0-9a-f]+$/);
    await assert.rejects(evaluate('$rax', caller.id), /only rsp, rip and the callee-saved registers/);
  });

  test('setVariable changes a local, and a register in the innermost frame', async () => {
    const scopes = (await dc.scopesRequest({ frameId: top.id })).body.scopes;
    const localsRef = scopes.find((s) => s.name === 'Locals')!.variablesReference;
    const set = await dc.setVariableRequest({ variablesReference: localsRef, name: 'y', value: 'x + 40' });
    assert.equal(set.body.value, '42');
    assert.equal((await evaluate('y')).result, '42');
    const regsRef = scopes.find((s) => s.name === 'Registers')!.variablesReference;
    const r = await dc.setVariableRequest({ variablesReference: regsRef, name: 'rax', value: '0x1234' });
    assert.equal(r.body.value, '0x1234');
    assert.equal((await evaluate('$rax')).result, '0x1234');
    assert.equal((await evaluate('$eax')).result, '4660');
  });

  test('the Registers scope shows the general registers, RIP with its symbol, decoded RFLAGS and the debug registers', async () => {
    const scopes = (await dc.scopesRequest({ frameId: top.id })).body.scopes;
    const regs = (await dc.variablesRequest({ variablesReference: scopes.find((s) => s.name === 'Registers')!.variablesReference })).body.variables;
    const byName = new Map(regs.map((v) => [v.name, v]));
    for (const n of ['rax', 'rbx', 'rsp', 'r15', 'rip', 'rflags', 'fs_base', 'gs_base']) assert.ok(byName.has(n), n);
    assert.match(byName.get('rip')!.value, /^0x[0-9a-f]+ <add_one\+0x[0-9a-f]+>$/);
    assert.match(byName.get('rflags')!.value, /^0x[0-9a-f]+ \[ ([A-Z]{2} )*\]$/);
    assert.match(byName.get('gs_base')!.value, /^0xffff8f00000[0-9a-f]+$/, 'the per-CPU area');
    const dr = (await dc.variablesRequest({ variablesReference: byName.get('debug registers')!.variablesReference })).body.variables;
    assert.deepEqual(dr.map((v) => v.name), ['dr0', 'dr1', 'dr2', 'dr3', 'dr6', 'dr7']);
  });

  test('readMemory and writeMemory work on guest memory; unmapped bytes are reported as unreadable', async () => {
    const addr = (await evaluate('&sink')).result;
    await dc.customRequest('writeMemory', { memoryReference: addr, data: Buffer.from([0x2a, 0, 0, 0, 0, 0, 0, 0]).toString('base64') });
    assert.equal((await evaluate('sink')).result, '0x2a', 'unsigned long values show in hex');
    const mem = await dc.customRequest('readMemory', { memoryReference: addr, count: 8 });
    assert.deepEqual([...Buffer.from(mem.body.data, 'base64')], [0x2a, 0, 0, 0, 0, 0, 0, 0]);
    const none = await dc.customRequest('readMemory', { memoryReference: '0x1000', count: 16 });
    assert.equal(none.body.unreadableBytes, 16);
  });

  test('disassemble shows instructions with symbols and source lines, backwards and forwards', async () => {
    const ip = top.instructionPointerReference!;
    const fwd = (await dc.disassembleRequest({ memoryReference: ip, instructionCount: 4 })).body!.instructions;
    assert.equal(BigInt(fwd[0].address), BigInt(ip));
    assert.equal(fwd[0].line, top.line);
    assert.equal(fwd[0].location?.path, DEBUGGEE);
    const around = (await dc.disassembleRequest({ memoryReference: ip, instructionOffset: -3, instructionCount: 6 })).body!.instructions;
    assert.equal(around.length, 6);
    assert.equal(BigInt(around[3].address), BigInt(ip), 'the current instruction after three before it');
    const caller = (await dc.disassembleRequest({ memoryReference: frames[1].instructionPointerReference!, instructionOffset: -1, instructionCount: 1 })).body!.instructions[0];
    assert.match(caller.instruction, /^call\s+0x[0-9a-f]+ <add_one\+0x0>$/, 'the call before the return address, with its target symbol');
  });

  test('modules, loaded sources, and exceptionInfo when there is no exception', async () => {
    const mods = await dc.modulesRequest({});
    assert.equal(mods.body.modules.length, 1);
    assert.equal(mods.body.modules[0].path, DEBUGGEE);
    assert.match(String(mods.body.modules[0].addressRange), /^0xffffffffa0/);
    const sources = await dc.customRequest('loadedSources', {});
    assert.ok((sources.body.sources as DebugProtocol.Source[]).some((s) => s.path === DEBUGGEE));
    await assert.rejects(dc.exceptionInfoRequest({ threadId: 1 }), /not stopped on an exception/);
  });

  test('threads are named comm (pid N) [CPU n]', async () => {
    const threads = (await dc.threadsRequest()).body.threads;
    assert.equal(threads.length, 1);
    assert.match(threads[0].name, /^insmod \(pid 1\) \[CPU \d\]$/);
  });
});
