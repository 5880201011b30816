// The worker_threads pool of `ksw hunt`: one worker per job, each fed the
// next seed as soon as it answers. Results are handed on in seed order, and
// --stop-after counts findings in that order too, so what a hunt reports
// never depends on how many jobs ran it or which finished first.

import * as path from 'node:path';
import type * as WorkerThreads from 'node:worker_threads';
import type { HuntWorkerAnswer, HuntWorkerData } from './huntWorker';
import type { SeedResult } from './huntSeed';

/** The simulator failed (a bug in ksw, not in the guest) while running a seed. */
/** node:worker_threads, required when a hunt starts: every other command's start-up is spared loading it. */
const workerThreads = (): typeof WorkerThreads => require('node:worker_threads');

export class HuntSeedError extends Error {
  constructor(readonly seed: number, message: string) { super(message); }
}

export interface HuntPoolOptions {
  data: HuntWorkerData;
  jobs: number;
  seeds: number[];
  /** Stop once this many seeds (in seed order) were not clean. */
  stopAfter: number | null;
  /** Each seed's result, in increasing seed order. */
  onResult: (r: SeedResult) => void;
  /** After every answer, in completion order: seeds done and how many of them were not clean. */
  onProgress?: (done: number, found: number) => void;
  /** The worker script; defaults to huntWorker.js beside this file (dist/ in the bundle, out/ otherwise). */
  script?: string;
}

export interface HuntPoolResult { results: SeedResult[]; stopped: boolean }

export function runHuntPool(o: HuntPoolOptions): { done: Promise<HuntPoolResult>; cancel: () => void } {
  const script = o.script ?? path.join(__dirname, 'huntWorker.js');
  const byIndex: (SeedResult | undefined)[] = new Array(o.seeds.length);
  const ordered: SeedResult[] = [];
  const workers: WorkerThreads.Worker[] = [];
  let nextToSend = 0;
  let done = 0;
  let found = 0;
  let foundInOrder = 0;
  let finished = false;
  let settle: (r: HuntPoolResult) => void = () => {};
  let fail: (e: Error) => void = () => {};
  const promise = new Promise<HuntPoolResult>((resolve, reject) => { settle = resolve; fail = reject; });

  const stopAll = (): void => {
    finished = true;
    for (const w of workers) void w.terminate();
  };
  const finish = (stopped: boolean): void => { if (!finished) { stopAll(); settle({ results: ordered, stopped }); } };
  const abort = (e: Error): void => { if (!finished) { stopAll(); fail(e); } };

  // Hand on the results that are now contiguous from the start, in seed order.
  const flush = (): void => {
    while (ordered.length < o.seeds.length && byIndex[ordered.length]) {
      const r = byIndex[ordered.length]!;
      ordered.push(r);
      o.onResult(r);
      if (r.status !== 0 && ++foundInOrder === o.stopAfter) { finish(true); return; }
    }
    if (ordered.length === o.seeds.length) finish(false);
  };

  const indexOf = new Map<number, number>();
  const feed = (w: WorkerThreads.Worker): void => {
    if (nextToSend >= o.seeds.length) return;
    indexOf.set(o.seeds[nextToSend], nextToSend);
    w.postMessage(o.seeds[nextToSend++]);
  };

  if (o.seeds.length === 0) { finish(false); return { done: promise, cancel: () => {} }; }
  const jobs = Math.max(1, Math.min(o.jobs, o.seeds.length));
  for (let j = 0; j < jobs; j++) {
    const w = new (workerThreads().Worker)(script, { workerData: o.data });
    workers.push(w);
    w.on('message', (answer: HuntWorkerAnswer) => {
      if (finished) return;
      if ('error' in answer) { abort(new HuntSeedError(answer.seed, answer.error)); return; }
      const r = answer.result;
      byIndex[indexOf.get(r.seed)!] = r;
      indexOf.delete(r.seed);
      done++;
      if (r.status !== 0) found++;
      o.onProgress?.(done, found);
      feed(w);
      flush();
    });
    w.on('error', (e) => abort(e));
    w.on('exit', (code) => { if (!finished) abort(new Error(`a hunt worker exited with code ${code}`)); });
    feed(w);
  }
  return { done: promise, cancel: () => finish(true) };
}
