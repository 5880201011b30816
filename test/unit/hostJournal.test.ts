// The record of a user program's host file I/O (simulator/user/hostJournal.ts):
// forward it runs on the host and keeps the result; after a rewind the same
// operations are served from the record and the host is not touched; a
// replay that asks for something else is refused; past the end it is live
// again; the budget stops the record with a reason; an edit forgets the future.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HostJournal } from '../../simulator/user/hostJournal';

describe('HostJournal', () => {
  test('records forward, serves a replay without the host, goes live past the record', () => {
    const j = new HostJournal();
    let hostCalls = 0;
    const op = (what: string, v: unknown) => j.call(what, () => { hostCalls++; return v; });
    assert.equal(op('read fd 3', 'abc'), 'abc');
    assert.throws(() => j.call('stat /x', () => { hostCalls++; throw new Error('boom'); }), /boom/);
    assert.equal(hostCalls, 2);
    assert.equal(j.length, 2);
    j.rewind();
    assert.equal(op('read fd 3', 'changed'), 'abc');
    assert.throws(() => op('stat /x', 0), /boom/);
    assert.equal(hostCalls, 2);
    assert.equal(op('write fd 3', 4), 4); // past the record: the host again
    assert.equal(hostCalls, 3);
    j.rewind();
    assert.throws(() => op('open /y', 3), /asked the host for open \/y where the recorded history did read fd 3/);
  });

  test('an edit forgets the recorded future; the budget stops the record with a reason', () => {
    const j = new HostJournal(1000);
    j.call('a', () => 1);
    j.call('b', () => 2);
    j.rewind(1);
    assert.equal(j.forgetFuture(), 1);
    assert.equal(j.call('c', () => 3), 3);
    assert.equal(j.length, 2);
    assert.equal(j.problem, undefined);
    j.call('read fd 4', () => new Uint8Array(2000));
    assert.match(j.problem ?? '', /it has read more than .* MiB from the host's files, more than the debugger keeps to replay them \(at read fd 4\)/);
  });

  test('reset closes the host descriptors the program left open', () => {
    const j = new HostJournal();
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-journal-')), 'f');
    const fd = fs.openSync(file, 'w');
    j.opened(fd);
    j.reset();
    assert.throws(() => fs.fstatSync(fd), /EBADF/);
    assert.equal(j.length, 0);
  });
});
