// The fuzz targets: each takes generated inputs to one entry point the way a
// user's input reaches it, and sorts every outcome into accepted, a clean
// error (the entry point's own error class, a one-line message without a JS
// stack or a raw control character), a crash (anything else) or a hang
// (an input that takes more than HANG_MS of host time — generous on purpose (the test machine is shared):
// only a runaway loop reaches it, never a slow machine).

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { ElfError, ElfFile } from '../../simulator/elf/elfFile';
import { LoadError } from '../../simulator/user/loader';
import { UserProcess } from '../../simulator/user/process';
import { OutOfPhysicalMemory } from '../../simulator/memory/memory';
import { Kernel, KernelInputError } from '../../simulator/system/kernel';
import { ModuleLoadError } from '../../simulator/elf/moduleLoader';
import { compileModule } from '../../simulator/cli/cc';
import { KswConfigError, parseConfig } from '../../simulator/kstackwatch/config';
import { KswError } from '../../simulator/kstackwatch/kstackwatch';
import { DebugRuntime, EvalError, RequestError } from '../../simulator/debug/runtime';
import { parseExpression } from '../../simulator/debug/expression';
import { FrameReader, MAX_BODY_BYTES, MAX_HEADER_BYTES } from '../../adapter/framing';
import { argumentsProblem, messageShape } from '../../adapter/requestCheck';
import { hiExecutable } from '../unit/elfBuilder';
import { dapStream, expression, mutateElf, Rng, watchConfig } from './generators';
import { skipUnless } from '../tools';

export const ROOT = path.resolve(__dirname, '../../..');
const KSW = path.join(ROOT, 'bin/ksw');
const ADAPTER = path.join(ROOT, 'dist/adapter.js');
const MODULE_SOURCE = path.join(ROOT, 'examples/kstackwatch/kstackwatch_test.c');
/** An input that runs longer than this is a hang (wall clock, generous: a loop that never ends). */
export const HANG_MS = 60_000;

/** A JS stack frame or an internal error in a user-facing message. */
export const JS_STACK = /\n\s+at |\bat \S+\.js:\d+|internal error/;
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/;

export type Outcome = 'accepted' | 'clean';

/** Thrown by a target when an outcome breaks the contract (counted as a crash). */
export class ContractBroken extends Error {}

export interface Target {
  name: string;
  /** Each input starts a process (ksw, the adapter): about 100 times slower per input. */
  perProcess?: boolean;
  /** Why the target cannot run here (no gcc…), or null. */
  unavailable(): string | null;
  /** One input from `rng`, tried; resolves with its outcome or throws (a crash). */
  one(rng: Rng, index: number): Promise<Outcome> | Outcome;
  dispose?(): void;
}

/** A clean error: one of `classes`, with a message a user can read. Anything else is rethrown. */
function clean(e: unknown, classes: (abstract new (...a: never[]) => Error)[], where: string): 'clean' {
  if (!classes.some((c) => e instanceof c)) throw e;
  const m = (e as Error).message;
  if (JS_STACK.test(m)) throw new ContractBroken(`${where}: a JS stack in the message: ${m}`);
  return 'clean';
}

let scratch: string | null = null;
function scratchDir(): string {
  if (!scratch) {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-fuzz-'));
    const dir = scratch;
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  return scratch;
}

/** Why the targets compiling a module cannot run here, or null (never under CI=true). */
const NO_GCC = skipUnless('gcc') || null;
let moduleObject: string | null = null;
function baseModule(): string {
  if (!moduleObject) {
    const out = path.join(scratchDir(), 'base.o');
    const r = compileModule(MODULE_SOURCE, { output: out });
    if ('error' in r) throw new Error(`compiling the fuzz base module failed: ${r.error}`);
    moduleObject = out;
  }
  return moduleObject;
}

// ---- in-process targets --------------------------------------------------------------------

export const elfLoader: Target = {
  name: 'ELF loader (ksw exec)',
  unavailable: () => null,
  one(rng) {
    const bytes = mutateElf(rng, hiExecutable());
    try {
      const elf = ElfFile.parse(bytes);
      const none = () => undefined;
      new UserProcess(elf, ['fuzz'], 'fuzz', { stdout: none, stderr: none, stdin: () => 0, maxInstructions: 20_000 }).run();
      return 'accepted';
    } catch (e) {
      return clean(e, [ElfError, LoadError, OutOfPhysicalMemory], 'exec');
    }
  },
};

export const moduleLoader: Target = {
  name: 'module loader (insmod, in process)',
  unavailable: () => NO_GCC,
  one(rng, i) {
    const file = path.join(scratchDir(), `module-${i % 4}.o`);
    fs.writeFileSync(file, mutateElf(rng, fs.readFileSync(baseModule())));
    const kernel = new Kernel({ cpus: 2, seed: 1, maxInstructions: 200_000 });
    try {
      kernel.load(file);
      kernel.setParam('test', String(rng.below(6)));
    } catch (e) {
      return clean(e, [ModuleLoadError, KernelInputError], 'load');
    }
    kernel.startInit();
    kernel.run();
    return 'accepted';
  },
};

let configKernel: Kernel | null = null;
export const configParser: Target = {
  name: 'watch config parser',
  unavailable: () => NO_GCC,
  one(rng) {
    if (!configKernel) { configKernel = new Kernel({ cpus: 1 }); configKernel.load(baseModule()); }
    const text = watchConfig(rng);
    try {
      parseConfig(text, { strict: false });
    } catch (e) {
      clean(e, [KswConfigError], 'lenient parse');
    }
    try {
      configKernel.ksw.validate(text);
      return 'accepted';
    } catch (e) {
      const r = clean(e, [KswError], 'config');
      if (RAW_CONTROL.test((e as Error).message)) throw new ContractBroken(`a raw control character in: ${JSON.stringify((e as Error).message)}`);
      return r;
    }
  },
  dispose: () => { configKernel = null; },
};

let evalRuntime: DebugRuntime | null = null;
export const expressionEvaluator: Target = {
  name: 'expression evaluator (evaluate, conditions)',
  unavailable: () => NO_GCC,
  one(rng) {
    if (!evalRuntime) evalRuntime = DebugRuntime.create({ program: baseModule() });
    const text = expression(rng);
    try {
      parseExpression(text);
      evalRuntime.evaluate(text);
      return 'accepted';
    } catch (e) {
      return clean(e, [EvalError, RequestError], 'evaluate');
    }
  },
  dispose: () => { evalRuntime?.terminate(); evalRuntime = null; },
};

export const dapFraming: Target = {
  name: 'DAP framing and request checks',
  unavailable: () => null,
  one(rng, i) {
    let problems = 0;
    const reader = new FrameReader({
      message: (m) => {
        const shape = messageShape(m);
        if (shape.kind === 'request') argumentsProblem(shape.request);
      },
      problem: (reason) => {
        problems++;
        if (JS_STACK.test(reason) || RAW_CONTROL.test(reason)) throw new ContractBroken(`framing problem text: ${JSON.stringify(reason)}`);
      },
    });
    const input = Buffer.concat(Array.from({ length: 1 + rng.below(6) }, (_, k) => dapStream(rng, i * 10 + k)));
    for (let at = 0; at < input.length;) {
      const n = 1 + rng.below(4096);
      reader.push(input.subarray(at, at + n));
      at += n;
      if (reader.buffered > MAX_HEADER_BYTES + MAX_BODY_BYTES) throw new ContractBroken(`the reader holds ${reader.buffered} bytes`);
    }
    reader.end();
    return problems > 0 ? 'clean' : 'accepted';
  },
};

// ---- process targets: exit status and the adapter's liveness -----------------------------------

function run(cmd: string, args: string[], input?: Buffer): Promise<{ status: number | null; stdout: string; stderr: string; hung: boolean }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args);
    let stdout = '', stderr = '', hung = false;
    p.stdout.on('data', (d: Buffer) => { if (stdout.length < 1 << 20) stdout += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { if (stderr.length < 1 << 20) stderr += d.toString(); });
    const timer = setTimeout(() => { hung = true; p.kill('SIGKILL'); }, HANG_MS);
    p.on('close', (status) => { clearTimeout(timer); resolve({ status, stdout, stderr, hung }); });
    if (input) p.stdin.end(input);
  });
}

export class Hang extends Error {}

export const cliRun: Target = {
  name: 'ksw run on mutated modules (exit status)',
  perProcess: true,
  unavailable: () => (!fs.existsSync(KSW) ? 'not built' : NO_GCC),
  async one(rng, i) {
    const file = path.join(scratchDir(), `cli-${i % 4}.o`);
    fs.writeFileSync(file, mutateElf(rng, fs.readFileSync(baseModule())));
    const r = await run(process.execPath, [KSW, 'run', file, '--param', `test=${rng.below(6)}`, '--max-insns', '300000',
      ...(rng.chance(0.5) ? ['--watch', watchConfig(rng).replace(/\0/g, '')] : [])]); // argv cannot carry NUL
    if (r.hung) throw new Hang(`ksw run did not end: ${file} ${r.stdout.split('\n').slice(-3).join(' | ')}`);
    if (r.status === null || ![0, 1, 2, 3].includes(r.status)) throw new ContractBroken(`exit status ${r.status}: ${r.stderr.split('\n')[0]}`);
    if (JS_STACK.test(r.stderr)) throw new ContractBroken(`a JS stack on stderr: ${r.stderr}`);
    if (r.status === 2 && r.stderr.trim().split('\n').filter((l) => l.startsWith('ksw')).length !== 1) throw new ContractBroken(`exit 2 without one reason line: ${r.stderr}`);
    return r.status === 2 ? 'clean' : 'accepted';
  },
};

export const dapAdapter: Target = {
  name: 'debug adapter over stdio (hostile traffic, then a request)',
  perProcess: true,
  unavailable: () => (fs.existsSync(ADAPTER) ? null : 'dist/adapter.js is not built'),
  async one(rng, i) {
    const traffic = Buffer.concat(Array.from({ length: 1 + rng.below(8) }, (_, k) => dapStream(rng, i * 10 + k)));
    // then one ordinary request, which must be answered
    const probe = JSON.stringify({ seq: 999_999, type: 'request', command: 'threads' });
    const input = Buffer.concat([traffic, Buffer.from(`Content-Length: ${probe.length}\r\n\r\n${probe}`)]);
    const r = await run(process.execPath, [ADAPTER], input);
    if (r.hung) throw new Hang('the adapter did not end after its input closed');
    if (JS_STACK.test(r.stdout) || JS_STACK.test(r.stderr)) throw new ContractBroken(`a JS stack in the adapter's output: ${(r.stdout + r.stderr).slice(0, 400)}`);
    // the generators never leave a frame waiting for more bytes than the input has: the probe must be answered
    if (!r.stdout.includes('"request_seq":999999')) throw new ContractBroken(`no answer to a request after hostile traffic; stderr: ${r.stderr.slice(0, 400)}`);
    return r.stderr.includes('kstackwatch adapter:') ? 'clean' : 'accepted';
  },
};

export const ALL_TARGETS: Target[] = [elfLoader, moduleLoader, configParser, expressionEvaluator, dapFraming, cliRun, dapAdapter];
