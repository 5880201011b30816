// The checkpoint store of time travel (simulator/debug/checkpoints.ts):
// which checkpoint a replay starts from, when one is due, and how it stays
// within its memory budget — pages shared between images counted once, old
// history thinned to exponentially spaced checkpoints, the start kept.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { CheckpointStore, StoredCheckpoint } from '../../simulator/debug/checkpoints';
import type { PageImage } from '../../simulator/memory/memory';

const PAGE = 4096;

/** A checkpoint at `insns` holding `pages` (shared arrays are shared pages). */
function cp(insns: number, pages: Uint8Array[], objectBytes = 0): StoredCheckpoint {
  const map = new Map<number, PageImage>(pages.map((data, i) => [i, { frame: i * PAGE, perm: 3, watchWrite: 0, watchRead: 0, watchRanges: [], data }]));
  return { insns, timeNs: insns * 10, objectBytes, memory: { pages: map, freeFrames: [], nextFrame: pages.length * PAGE, newBytes: 0 } };
}

test('checkpoint store: the latest at or before a position (and a time), and when one is due', () => {
  const s = new CheckpointStore(1000, 1 << 30);
  assert.equal(s.due(0), true);
  s.add(cp(0, []));
  s.add(cp(1000, []));
  s.add(cp(2500, []));
  assert.equal(s.latest(2499)!.insns, 1000);
  assert.equal(s.latest(2500)!.insns, 2500);
  assert.equal(s.latest(5000, 9999)!.insns, 0, 'the time bound too');
  assert.deepEqual(s.before(2000).map((c) => c.insns), [1000, 0]);
  assert.equal(s.due(2600), false);
  assert.equal(s.due(3500), true);
  assert.equal(s.due(1900), false, 'no mark passed since 1000');
  assert.equal(s.due(2000), true, 'the first moment at or past a mark');
  assert.equal(s.due(2100), false, 'the next one is less than half an interval ahead');
  assert.equal(s.untilMark(2600), 400, 'slices end at the marks: checkpoints fall where the history is, not where the host\'s slices were');
  assert.equal(s.untilMark(3000), 1000);
  assert.equal(new CheckpointStore(1000, 0).untilMark(5), Infinity, 'no checkpoints: slices are not cut');
  s.dropFrom(1000);
  assert.deepEqual(s.positions(), [0]);
  assert.equal(new CheckpointStore(1000, 0).due(0), false, 'a budget of 0 takes none');
});

test('checkpoint store: pages shared by consecutive images count once; over budget, old history is thinned, the start and the newest kept', () => {
  const shared = new Uint8Array(PAGE);
  const budget = 40 * PAGE;
  const s = new CheckpointStore(100, budget);
  for (let i = 0; i <= 400; i++) {
    s.add(cp(i * 100, [shared, new Uint8Array(PAGE)]));
    assert.ok(s.bytes <= budget, `${s.bytes} bytes held`);
  }
  // one shared page plus one own page each: 39 checkpoints fit
  assert.equal(s.size, 39);
  assert.equal(s.bytes, 40 * PAGE);
  const at = s.positions();
  assert.equal(at[0], 0);
  assert.equal(at[at.length - 1], 40_000);
  // the gaps grow going back (roughly geometrically): recent history dense, old history sparse
  const gaps = at.slice(1).map((x, i) => x - at[i]);
  assert.ok(gaps[gaps.length - 1] <= 200, `newest gap ${gaps[gaps.length - 1]}`);
  assert.ok(gaps[0] >= 2000, `oldest gap ${gaps[0]}`);
  const far = at.filter((x) => x < 20_000).length, near = at.filter((x) => x >= 30_000).length;
  assert.ok(near > 2 * far, `${near} checkpoints in the last quarter, ${far} in the first half`);
  s.clear();
  assert.equal(s.bytes, 0);
});
