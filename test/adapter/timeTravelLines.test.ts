// Reverse over a data breakpoint whose variable shares its page with one
// stored to all along: the stretch summaries know the 8-byte lines stores
// and loads reached (memory.ts recordAccesses), not just their pages, so reverseContinue
// passes over the stretches that stored (or, for a read/write watch, loaded)
// only next door — and still lands where going forward stopped (a store of
// the value already there counts),
// as a search without summaries (no checkpoints: one replay from the start)
// does. Guests: guests/neighbour.c (the watched pair.value next to pair.hot,
// stored to in a long loop) and guests/escaped.c (the global `escaped`
// shares its page with `sink`, which the writer's loop adds to).

import { afterEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { GUESTS, launch, lineOf, nextStop, SKIP, startClient, stopClient } from './harness';

const NEIGHBOUR = path.join(GUESTS, 'neighbour.c');
const STORE_SAME_LINE = lineOf(NEIGHBOUR, '/* SAME:');
const ESCAPED = path.join(GUESTS, 'escaped.c');
const LEAK_LINE = lineOf(ESCAPED, '/* LEAK:');

interface Stop { event: DebugProtocol.StoppedEvent; frames: DebugProtocol.StackFrame[]; time: { time_ns: number; insns: number } }

describe('time travel: stretch summaries by line', { skip: SKIP }, () => {
  let dc: DebugClient | null = null;
  afterEach(async () => { if (dc) await stopClient(dc); dc = null; });

  async function stopWithTime(): Promise<Stop> {
    const time = dc!.waitForEvent('kstackwatch.time');
    const { event, frames } = await nextStop(dc!);
    return { event, frames, time: (await time).body };
  }

  async function replayedInsns(): Promise<number> {
    return ((await dc!.customRequest('kstackwatch.timeTravelStats')).body as { replayed_insns: number }).replayed_insns;
  }

  /** A data breakpoint on the 8 bytes at `&name` (writes, or reads and writes). */
  async function watch(name: string, frameId?: number, accessType: DebugProtocol.DataBreakpointAccessType = 'write'): Promise<void> {
    const info = await dc!.dataBreakpointInfoRequest({ name: `&${name}`, asAddress: true, bytes: 8, frameId } as DebugProtocol.DataBreakpointInfoArguments);
    assert.ok(info.body.dataId, info.body.description);
    const set = await dc!.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId!, accessType }] });
    assert.equal(set.body.breakpoints[0].verified, true, set.body.breakpoints[0].message);
  }

  /**
   * neighbour.c with a data breakpoint on pair.value (`accessType`) and a
   * function breakpoint on finish(): forward to the same-value store, on to
   * finish(), then reverseContinue back to the store.
   */
  async function nextDoor(accessType: DebugProtocol.DataBreakpointAccessType): Promise<void> {
    dc = await startClient();
    let stop = stopWithTime();
    await launch(dc, { program: NEIGHBOUR, params: { loops: 500_000 }, checkpointInterval: 10_000 }, async () => {
      await watch('pair', undefined, accessType);
      await dc!.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'finish' }] });
    });
    const store = await stop;
    assert.equal(store.event.body.reason, 'data breakpoint');
    assert.equal(store.frames[0].line, STORE_SAME_LINE);
    stop = stopWithTime();
    await dc.continueRequest({ threadId: store.event.body.threadId! });
    const finish = await stop;
    assert.equal(finish.event.body.reason, 'function breakpoint', 'the loads and stores of pair.hot, next door, do not stop');
    const stats = (await dc.customRequest('kstackwatch.timeTravelStats')).body as { checkpoints: number };
    assert.ok(stats.checkpoints >= 6, `checkpoints: ${JSON.stringify(stats)}`);

    const before = await replayedInsns();
    stop = stopWithTime();
    await dc.customRequest('reverseContinue', { threadId: finish.event.body.threadId });
    const back = await stop;
    assert.equal(back.event.body.reason, 'data breakpoint');
    assert.equal(back.frames[0].line, STORE_SAME_LINE);
    assert.deepEqual(back.time, store.time, 'the moment going forward stopped there');
    // A page-granular summary has pair.hot's page in every stretch: each would be replayed, more than the distance
    // in all. Line summaries replay the store's stretch only (checkpoints are taken at the ends of the forward
    // run's slices, whose lengths follow the host's speed: no tighter bound holds on every host).
    const replayed = await replayedInsns() - before;
    assert.ok(replayed < finish.time.insns - store.time.insns, `replayed ${replayed} of the ${finish.time.insns - store.time.insns} instructions between them`);

    stop = stopWithTime();
    await dc.continueRequest({ threadId: back.event.body.threadId! });
    const again = await stop;
    assert.equal(again.event.body.reason, 'function breakpoint');
    assert.deepEqual(again.time, finish.time, 'forward again: finish() at the same moment');
  }

  test('a write data breakpoint next door to a hot variable: reverseContinue replays only the stretch of the same-value store, lands on it, and forward again is the same history', async () => {
    await nextDoor('write');
  });

  test('a read/write data breakpoint next door to a hot variable (loaded and stored in the loop): the same, by the loads the summaries record too', async () => {
    await nextDoor('readWrite');
  });

  test('escaped.c from the corruption after a long loop adding to `sink`: a data breakpoint on `escaped` (same page) + reverseContinue finds the leak, as a search without checkpoints does, replaying far less', async () => {
    const back = async (extra: Record<string, unknown>): Promise<{ stop: Stop; replayed: number; total: number }> => {
      dc = await startClient();
      const hit = stopWithTime();
      await launch(dc, { program: ESCAPED, stackWatch: 'fn=victim var=slots[3] mw=1', cpus: 2, params: { loops: 1_000_000 }, ...extra });
      const corruption = await hit;
      const before = await replayedInsns();
      await watch('escaped', corruption.frames[0].id);
      const stop = stopWithTime();
      await dc.customRequest('reverseContinue', { threadId: corruption.event.body.threadId });
      const found = await stop;
      assert.equal(found.event.body.reason, 'data breakpoint');
      assert.equal(found.frames[0].line, LEAK_LINE);
      assert.match((await dc.threadsRequest()).body.threads.find((t) => t.id === found.event.body.threadId)!.name, /^victim /);
      const replayed = await replayedInsns() - before;
      await stopClient(dc);
      dc = null;
      return { stop: found, replayed, total: corruption.time.insns };
    };
    const lines = await back({ checkpointInterval: 10_000 });
    const none = await back({ checkpointMemory: 0 });
    assert.deepEqual(lines.stop.time, none.stop.time);
    // every stretch back to the leak (page summaries) is more than the whole history; see above
    assert.ok(lines.replayed < lines.total, `replayed ${lines.replayed} of ${lines.total}`);
  });
});
