// Entry point of a `ksw hunt` worker thread (bundled to dist/huntWorker.js
// beside dist/ksw.js; out/simulator/cli/huntWorker.js when run from out/).
// It runs one seed per message and answers with its SeedResult, or with the
// error message if the simulator itself failed on that seed.

import { parentPort, workerData } from 'node:worker_threads';
import type { RunArgs } from './runArgs';
import { runSeed, SeedResult } from './huntSeed';

export interface HuntWorkerData { args: RunArgs; object: string }
export type HuntWorkerAnswer = { result: SeedResult } | { seed: number; error: string };

const { args, object } = workerData as HuntWorkerData;
parentPort!.on('message', (seed: number) => {
  let answer: HuntWorkerAnswer;
  try {
    answer = { result: runSeed(args, object, seed) };
  } catch (e) {
    answer = { seed, error: e instanceof Error ? `${e.name}: ${e.message.split('\n')[0]}` : String(e) };
  }
  parentPort!.postMessage(answer);
});
