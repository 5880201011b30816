// The debugger's edits as part of the history (simulator/debug/edits.ts):
// made again in order at their moment, once per history; an edit in the
// past drops the edits of the future it replaces.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Edit, EditLog } from '../../simulator/debug/edits';

const mem = (address: number, byte: number): Edit => ({ kind: 'memory', address: BigInt(address), bytes: Uint8Array.of(byte) });
const at = (insns: number, time_ns = insns * 10) => ({ insns, time_ns });

test('EditLog: a replay makes each edit once, in order, when its moment has come', () => {
  const log = new EditLog();
  log.record(at(100), mem(1, 1));
  log.record(at(100), mem(2, 2));
  log.record(at(300), mem(3, 3));
  assert.equal(log.nextPosition(), Infinity, 'made already in the live history');
  log.rewind();
  assert.equal(log.nextPosition(), 100);
  const made: number[] = [];
  const make = (e: Edit): void => { made.push(e.kind === 'memory' ? e.bytes[0] : -1); };
  log.makeDue(at(99), make);
  assert.deepEqual(made, []);
  log.makeDue({ insns: 100, time_ns: 1000 }, make);
  assert.deepEqual(made, [1, 2]);
  log.makeDue(at(200), make);
  assert.deepEqual(made, [1, 2]);
  assert.equal(log.nextPosition(), 300);
  log.makeDue(at(301), make);
  assert.deepEqual(made, [1, 2, 3], 'late (the gate was not asked at 300 exactly) is still made');
  log.makeDue(at(400), make);
  assert.deepEqual(made, [1, 2, 3], 'once per history');
});

test('EditLog: at one position, the simulated time orders the moments (an oops retires no instruction)', () => {
  const log = new EditLog();
  log.record({ insns: 50, time_ns: 2000 }, mem(1, 1));
  log.rewind();
  const made: Edit[] = [];
  log.makeDue({ insns: 50, time_ns: 1000 }, (e) => made.push(e));
  assert.equal(made.length, 0, 'the same position, before the moment');
  log.makeDue({ insns: 50, time_ns: 2000 }, (e) => made.push(e));
  assert.equal(made.length, 1);
});

test('EditLog: an edit made back in time drops the edits recorded later in the old history', () => {
  const log = new EditLog();
  log.record(at(100), mem(1, 1));
  log.record(at(300), mem(3, 3));
  log.record(at(300), mem(4, 4));
  assert.equal(log.record(at(200), mem(2, 2)), 2);
  assert.equal(log.size, 2);
  log.rewind();
  const made: number[] = [];
  log.makeDue(at(1000), (e) => made.push(e.kind === 'memory' ? e.bytes[0] : -1));
  assert.deepEqual(made, [1, 2]);
  assert.equal(log.record(at(200), mem(5, 5)), 0, 'the same moment keeps the earlier edit');
});
