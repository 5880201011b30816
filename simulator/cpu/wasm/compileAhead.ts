// A big block store's wasm modules (storedModules.ts), compiled on a worker
// thread while the main thread runs the program, instead of on the main
// thread when a module's first block is asked for. A warm Lua run makes 23
// modules of its 1,426 stored traces (4.4 MB of wasm): compiling them was
// 200-270 ms of its 2.1-2.3 s main thread, spread over the run as it first
// enters each group's code — by then the worker, started when the store's
// functions are first looked up, has them ready.
//
// Which thread compiles a module never changes what runs: the same bytes
// make the same functions. Each module is claimed by one thread (a shared
// word per module, compare-and-swap): the main thread compiles one the
// worker has not started itself, and waits for one the worker is compiling.
// A WebAssembly.Module posted between threads shares its compiled code.
//
// A worker takes ~30 ms to start (more on a busy machine), and the main
// thread asks for its first modules soon after the store's are made: a warm
// Lua run asked for three in the first 50 ms, before the worker had posted
// one, and compiled them itself. So the CLI starts the worker as soon as it
// opens a block cache file with many functions (prestartCompileAhead), and
// the worker compiles each module as its bytes arrive, while the main
// thread makes the next.

import type * as WorkerThreads from 'node:worker_threads';
import type { MessagePort, Worker } from 'node:worker_threads';

/** (required when a worker starts: loading worker_threads costs a hello-world's run ~14 M host instructions) */
const workerThreads = (): typeof WorkerThreads => require('node:worker_threads');

/** A module's claim word: free, being compiled by the worker, posted by it, or taken by the main thread. */
const enum Claim { Free = 0, Worker = 1, Posted = 2, Main = 3 }

/**
 * The worker: given its claim words and port (as workerData, or in its
 * first message when started ahead), compiles each module whose bytes come
 * on the port, in order, unless claimed already, and posts it (null: it
 * did not compile) before marking it posted; index -1 ends the list.
 * Compiled as the process compiles wasm: eagerly (wasmInstance.ts; V8's
 * flags are the process's), and the worker sets no flag — one set on this
 * thread while the main thread checks a code cache gave that cache
 * another hash.
 */
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const start = ({ claims, port }) => {
  const state = new Int32Array(claims);
  port.on('message', ({ index, bytes }) => {
    if (index < 0) { port.close(); return; }
    if (Atomics.compareExchange(state, index, ${Claim.Free}, ${Claim.Worker}) !== ${Claim.Free}) return;
    let module = null;
    try {
      module = new WebAssembly.Module(bytes);
    } catch {
      module = null;
    }
    port.postMessage({ index, module });
    Atomics.store(state, index, ${Claim.Posted});
    Atomics.notify(state, index);
  });
};
if (workerData) start(workerData); else parentPort.once('message', start);
`;

/** A worker started ahead (prestartCompileAhead), waiting for its modules. */
let spare: Worker | null = null;

/**
 * A worker running WORKER_SOURCE (it needs none of the program's
 * environment or streams; `setup`: its claim words and port, else they come
 * in its first message). A failed one (out of memory, no threads) leaves
 * the main thread to compile what it did not post; it never keeps the
 * process alive.
 */
function startWorker(setup?: { claims: SharedArrayBuffer; port: MessagePort }): Worker {
  const worker = new (workerThreads().Worker)(WORKER_SOURCE, {
    eval: true, env: {}, stdout: true, stderr: true, stdin: false,
    ...(setup !== undefined ? { workerData: setup, transferList: [setup.port] } : {}),
  });
  worker.on('error', () => undefined);
  worker.unref();
  return worker;
}

/**
 * Start the worker the next CompileAhead uses now (the CLI: a block cache
 * file with many functions). One that is never used does not keep the
 * process alive. No thread: the next CompileAhead starts its own.
 */
export function prestartCompileAhead(): void {
  if (spare !== null) return;
  try {
    spare = startWorker();
  } catch {
    spare = null;
  }
}

/** Whether a worker started ahead waits for the next CompileAhead. */
export function workerStartedAhead(): boolean {
  return spare !== null;
}

/** Workers started (of those, how many ahead: prestartCompileAhead), and the modules the main thread took from them (tests). */
export const compileAheadStats = { started: 0, startedAhead: 0, taken: 0 };

/** How long the main thread waits for a module the worker is compiling before it compiles the module itself (the worker died). */
const GIVE_UP_MS = 10_000;

export class CompileAhead {
  private readonly claims: Int32Array;
  private readonly port: MessagePort;
  /** Modules received from the worker, not taken yet. */
  private readonly received = new Map<number, object | null>();
  private readonly worker: Worker;

  /**
   * Start compiling `count` modules, each a whole module's bytes made by
   * `bytesOf` in order (each sent to the worker as it is made).
   */
  constructor(count: number, bytesOf: (index: number) => Uint8Array) {
    const shared = new SharedArrayBuffer(4 * count);
    this.claims = new Int32Array(shared);
    const { MessageChannel } = workerThreads();
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const setup = { claims: shared, port: port2 };
    if (spare !== null) {
      this.worker = spare;
      spare = null;
      compileAheadStats.startedAhead++;
      this.worker.postMessage(setup, [port2]);
    } else {
      this.worker = startWorker(setup);
    }
    this.port.unref();
    compileAheadStats.started++;
    // (copied, not moved: moving a buffer detaches it here, and V8's optimised
    // code checks every typed-array access for a detached buffer from the
    // process's first detach on — a Lua run's 16 modules copy 3.2 MB)
    for (let i = 0; i < count; i++) this.port.postMessage({ index: i, bytes: bytesOf(i) });
    this.port.postMessage({ index: -1 });
  }

  /** Resolves when the worker has gone through every module (tests: it then holds the process open until done). */
  finished(): Promise<void> {
    this.worker.ref();
    return new Promise((resolve) => this.worker.once('exit', () => resolve()));
  }

  /**
   * Module `index` as the worker compiled it (waiting while it compiles it),
   * or undefined: the worker had not started it, and the caller compiles it
   * itself (it is the caller's from now on). Null: it does not compile.
   */
  take(index: number): object | null | undefined {
    const claim = Atomics.compareExchange(this.claims, index, Claim.Free, Claim.Main);
    if (claim === Claim.Free || claim === Claim.Main) return undefined;
    if (Atomics.wait(this.claims, index, Claim.Worker, GIVE_UP_MS) === 'timed-out') return undefined;
    while (!this.received.has(index)) {
      const got = workerThreads().receiveMessageOnPort(this.port) as { message: { index: number; module: object | null } } | undefined;
      if (got === undefined) return undefined; // (posted before its word is marked: not reached)
      this.received.set(got.message.index, got.message.module);
    }
    const module = this.received.get(index)!;
    this.received.delete(index);
    compileAheadStats.taken++;
    return module;
  }
}
