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

import type * as WorkerThreads from 'node:worker_threads';
import type { MessagePort, Worker } from 'node:worker_threads';

/** (required when a worker starts: loading worker_threads costs a hello-world's run ~14 M host instructions) */
const workerThreads = (): typeof WorkerThreads => require('node:worker_threads');

/** A module's claim word: free, being compiled by the worker, posted by it, or taken by the main thread. */
const enum Claim { Free = 0, Worker = 1, Posted = 2, Main = 3 }

/**
 * The worker: compiles each module not claimed yet, in order, and posts
 * it (null: it did not compile) before marking it posted. Compiled as the
 * process compiles wasm: eagerly (wasmInstance.ts; V8's flags are the
 * process's), and the worker sets no flag — one set on this thread while
 * the main thread checks a code cache gave that cache another hash.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { modules, claims, port } = workerData;
const state = new Int32Array(claims);
for (let i = 0; i < modules.length; i++) {
  if (Atomics.compareExchange(state, i, ${Claim.Free}, ${Claim.Worker}) !== ${Claim.Free}) continue;
  let module = null;
  try {
    module = new WebAssembly.Module(modules[i]);
  } catch {
    module = null;
  }
  port.postMessage({ index: i, module });
  Atomics.store(state, i, ${Claim.Posted});
  Atomics.notify(state, i);
}
port.close();
`;

/** Workers started, and the modules the main thread took from them (tests). */
export const compileAheadStats = { started: 0, taken: 0 };

/** How long the main thread waits for a module the worker is compiling before it compiles the module itself (the worker died). */
const GIVE_UP_MS = 10_000;

export class CompileAhead {
  private readonly claims: Int32Array;
  private readonly port: MessagePort;
  /** Modules received from the worker, not taken yet. */
  private readonly received = new Map<number, object | null>();
  private readonly worker: Worker;

  /** Start compiling `modules` (each a whole module's bytes; their buffers move to the worker). */
  constructor(modules: readonly Uint8Array[]) {
    const shared = new SharedArrayBuffer(4 * modules.length);
    this.claims = new Int32Array(shared);
    const { MessageChannel, Worker } = workerThreads();
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { modules, claims: shared, port: port2 },
      transferList: [port2, ...modules.map((m) => m.buffer as ArrayBuffer)],
      // (the worker needs none of the program's environment or streams)
      env: {}, stdout: true, stderr: true, stdin: false,
    });
    // a failed worker (out of memory, no threads): the main thread compiles what it did not post
    this.worker.on('error', () => undefined);
    this.worker.unref();
    this.port.unref();
    compileAheadStats.started++;
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
