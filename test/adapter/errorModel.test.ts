// The error model (simulator/errors/userError.ts) as the adapter and the
// simulator's layers apply it: every error a user can act on is a UserError
// with its exit status; the adapter answers a UserError with its message and
// an internal error with one line (its stack only on stderr). In process, no
// compiler needed: the runtime is a stub whose request throws.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { KswDebugSession } from '../../adapter/session';
import { EXIT_BAD_INPUT, EXIT_GUEST_FAILURE, UserError } from '../../simulator/errors/userError';
import { LaunchError } from '../../simulator/debug/launchConfig';
import { ProbeError } from '../../simulator/debug/target';
import { EvalError } from '../../simulator/debug/expression';
import { RequestError } from '../../simulator/debug/requestError';
import { LoadError } from '../../simulator/user/loader';
import { HwBreakpointError } from '../../simulator/kernel/hwBreakpoint';
import { KprobeError } from '../../simulator/kernel/kprobes';
import { RunArgsError } from '../../simulator/cli/runArgs';
import { RunInputError } from '../../simulator/cli/moduleRun';
import { MergeInputError } from '../../simulator/cli/huntMerge';
import { ModuleLoadError } from '../../simulator/elf/moduleLoader';
import { InputFileError } from '../../simulator/elf/inputFile';
import { ElfError } from '../../simulator/elf/elfFile';
import { RelocationError } from '../../simulator/elf/relocations';
import { CpuFault, Vector } from '../../simulator/cpu/faults';
import { KernelInputError } from '../../simulator/system/kernel';
import { DwarfError } from '../../simulator/dwarf/reader';
import { KswError } from '../../simulator/kstackwatch/kstackwatch';
import { KswConfigError } from '../../simulator/kstackwatch/config';
import { ResolveError } from '../../simulator/kstackwatch/stack';
import { MemoryFault, OutOfPhysicalMemory } from '../../simulator/memory/memory';
import { UnsupportedOperand } from '../../simulator/cpu/decode';

describe('one error model', () => {
  test('every error a user can act on is a UserError with the exit status of DESIGN.md §3.1', () => {
    const input: UserError[] = [
      new LaunchError('x'), new ProbeError('x'), new EvalError('x'), new RequestError('x'), new LoadError('x'),
      new HwBreakpointError('EINVAL', 'x'), new KprobeError('EINVAL', 'x'), new RunArgsError('x'), new RunInputError('x'),
      new MergeInputError('x'), new ModuleLoadError('x'), new InputFileError('x'), new ElfError('x'), new RelocationError('x'),
      new KernelInputError('x'), new DwarfError('x'), new KswError('x'), new KswConfigError('x'), new ResolveError('x'),
      new OutOfPhysicalMemory('x'),
    ];
    for (const e of input) {
      assert.ok(e instanceof UserError, `${e.constructor.name} is a UserError`);
      assert.equal(e.exitStatus, EXIT_BAD_INPUT, `${e.constructor.name}: bad input is exit 2`);
    }
    for (const e of [new CpuFault(Vector.GP, '#GP', 'general protection'), new MemoryFault(0n, 'write', false)]) {
      assert.ok(e instanceof UserError);
      assert.equal(e.kind, 'guest');
      assert.equal(e.exitStatus, EXIT_GUEST_FAILURE, `${e.constructor.name}: a guest fault is exit 3`);
    }
    assert.equal(new LaunchError('x').showUser, true, 'a failed launch is shown in the editor');
    assert.equal(new RequestError('x').kind, 'request');
    assert.equal(new RequestError('x') instanceof EvalError, false, 'control errors are not the evaluator\'s');
    // caught by the block compiler and turned into #UD; never shown as such
    assert.equal(new UnsupportedOperand('x') instanceof UserError, false);
  });
});

/** A session whose runtime's `threads` throws `error`; the answer to a threads request and what went to stderr. */
async function answerWhenThrowing(error: Error): Promise<{ response: DebugProtocol.Response; stderr: string }> {
  const session = new KswDebugSession();
  (session as unknown as { runtime: unknown }).runtime = { threads: () => { throw error; } };
  const sent: DebugProtocol.ProtocolMessage[] = [];
  session.onDidSendMessage((m) => sent.push(m as DebugProtocol.ProtocolMessage));
  let stderr = '';
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => { stderr += String(chunk); return true; }) as typeof process.stderr.write;
  try {
    session.handleMessage({ seq: 1, type: 'request', command: 'threads' } as DebugProtocol.Request);
  } finally {
    process.stderr.write = write;
  }
  const response = sent.find((m): m is DebugProtocol.Response => m.type === 'response');
  assert.ok(response, 'the request is answered');
  session.dispose();
  return { response, stderr };
}

describe('adapter: one classification of errors', () => {
  test('a UserError is answered with its message, nothing logged', async () => {
    const { response, stderr } = await answerWhenThrowing(new RequestError('the program is not stopped'));
    assert.equal(response.success, false);
    assert.equal(response.message, 'the program is not stopped');
    assert.equal(stderr, '');
  });

  test('an internal error is one line without a stack; the stack goes to stderr', async () => {
    const { response, stderr } = await answerWhenThrowing(new TypeError("Cannot read properties of undefined (reading 'x')"));
    assert.equal(response.success, false);
    assert.equal(response.message, "internal error: TypeError: Cannot read properties of undefined (reading 'x')");
    const body = (response as DebugProtocol.ErrorResponse).body;
    assert.doesNotMatch(JSON.stringify(body ?? {}), /\bat .*\.js:\d+/, 'no JS stack in the error response');
    assert.match(stderr, /internal error: TypeError: Cannot read properties/);
    assert.match(stderr, /\bat .*errorModel\.test\.js:\d+/, 'the stack is logged');
  });
});
