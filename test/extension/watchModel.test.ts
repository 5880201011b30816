// The Stack Watches view's model: persistence, editing, what is sent to a
// session and the state shown for each watch.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { SessionWatchInfo, WatchList, cpuRegisterLines, functionOfConfig, sameConfig, watchRows, watchesToSend, withKey } from '../../extension/watchModel';

test('a list round-trips through its persisted form', () => {
  const l = new WatchList();
  l.add('fn=a');
  l.add('fn=b  var=buf[4]');
  l.setEnabled(l.find('fn=a')!.id, false);
  const again = new WatchList(JSON.parse(JSON.stringify(l.toJSON())));
  assert.deepEqual(again.all().map((w) => [w.config, w.enabled]), [['fn=a', false], ['fn=b var=buf[4]', true]]);
});

test('adding an existing watch re-enables it instead of duplicating it', () => {
  const l = new WatchList([{ id: 9, config: 'fn=a wl=8 so=8', enabled: false }]);
  l.add(' fn=a   wl=8 so=8 ');
  assert.equal(l.all().length, 1);
  assert.equal(l.all()[0].enabled, true);
  assert.ok(sameConfig('fn=a\twl=8', 'fn=a wl=8'));
});

test('edit, depth, remove and toggling all', () => {
  const l = new WatchList();
  const a = l.add('fn=a');
  const b = l.add('fn=b');
  assert.equal(l.edit(a.id, 'fn=b'), false, 'an edit may not duplicate another watch');
  assert.equal(l.edit(a.id, 'fn=a so=8 wl=8'), true);
  l.setDepth(a.id, 3);
  assert.equal(l.get(a.id)!.config, 'fn=a so=8 wl=8 dp=3');
  l.setDepth(a.id, 4);
  assert.equal(l.get(a.id)!.config, 'fn=a so=8 wl=8 dp=4');
  l.setDepth(a.id, null);
  assert.equal(l.get(a.id)!.config, 'fn=a so=8 wl=8');
  l.setAllEnabled(false);
  assert.deepEqual(l.enabledConfigs(), []);
  l.remove(b.id);
  assert.deepEqual(l.all().map((w) => w.config), ['fn=a so=8 wl=8']);
  assert.deepEqual(l.forFunction('a').map((w) => w.id), [a.id]);
  assert.equal(withKey('fn=a depth=2', ['dp', 'depth'], '5'), 'fn=a dp=5');
  assert.equal(functionOfConfig('so=8 func_name=x'), 'x');
});

test("what a session gets: the launch's watches, then the enabled and valid user watches", () => {
  const l = new WatchList([
    { id: 1, config: 'fn=a', enabled: true }, { id: 2, config: 'fn=b', enabled: false },
    { id: 3, config: 'fn=c wl=3', enabled: true }, { id: 4, config: 'fn=launch', enabled: true }, { id: 5, config: 'fn=d var=x', enabled: true },
  ]);
  assert.deepEqual(watchesToSend(['fn=launch'], l.all()), ['fn=launch', 'fn=a', 'fn=d var=x']);
});

const armed = (cpu: number, slot: number): SessionWatchInfo['armed'][number] => ({
  slot, address: '0xffffc90000004bd8', length: 8, value: '0x1', function: 'a', depth: 0, pid: 3, comm: 'worker_0', cpu, canary: true,
});

test('rows show armed (per CPU and debug register), pending, no free slot, unverified, invalid and disabled', () => {
  const l = new WatchList([
    { id: 1, config: 'fn=a', enabled: true }, { id: 2, config: 'fn=b', enabled: true }, { id: 3, config: 'fn=nope', enabled: true },
    { id: 4, config: 'fn=c wl=3', enabled: true }, { id: 5, config: 'fn=d', enabled: false },
  ]);
  const session = {
    misses: 0,
    watches: [
      { id: 0, config: 'fn=a', verified: true, function: 'a', offset: '0x26', depth: 0, hits: 2, armed: [armed(1, 0), armed(3, 2)] },
      { id: 1, config: 'fn=b', verified: true, function: 'b', offset: '0x10', depth: 0, hits: 0, armed: [] },
      { id: -3, config: 'fn=nope', verified: false, message: "unknown function 'nope'", hits: 0, armed: [] },
    ],
  };
  const rows = watchRows(l.all(), [], session);
  assert.deepEqual(rows.map((r) => r.state), ['armed', 'pending', 'unverified', 'invalid', 'disabled']);
  assert.equal(rows[0].description, 'armed on CPU 1,3 · 2 hits');
  assert.equal(rows[0].armed[0], 'CPU 1 · DR0 · worker_0 (pid 3) depth 0 · canary @ 0xffffc90000004bd8 = 0x1');
  assert.equal(rows[2].description, "unknown function 'nope'");

  const starved = watchRows(l.all(), [], { ...session, misses: 4 }, 1);
  assert.equal(starved[1].state, 'noFreeSlot');
  assert.match(starved[1].description, /no free slot \(4 calls missed\)/);
});

test("the launch's watches come first, read-only, and are not repeated from the user's list", () => {
  const l = new WatchList([{ id: 1, config: 'fn=a', enabled: true }, { id: 2, config: 'fn=b', enabled: true }]);
  const rows = watchRows(l.all(), ['fn=a'], null);
  assert.deepEqual(rows.map((r) => [r.watch.config, r.fromLaunch, r.state]), [['fn=a', true, 'idle'], ['fn=b', false, 'idle']]);
});

test('debug registers: one line per CPU naming each slot\'s owner, and the free count', () => {
  const slot = (i: number, owner: string) => ({ slot: i, enabled: owner !== 'free', address: owner === 'free' ? '0x0' : '0xffffc90000004bd8', length: 8, type: 'write' as const, owner });
  const lines = cpuRegisterLines([
    { cpu: 0, online: true, dr6: '0x0', dr7: '0x0', slots: [slot(0, 'free'), slot(1, 'free'), slot(2, 'free'), slot(3, 'free')] },
    { cpu: 1, online: true, dr6: '0x0', dr7: '0x0', slots: [slot(0, 'kstackwatch'), slot(1, 'data breakpoint 2'), slot(2, 'kstackwatch'), slot(3, 'kstackwatch')] },
  ]);
  assert.deepEqual(lines.map((l) => [l.label, l.free]), [['CPU 0', 4], ['CPU 1', 0]]);
  const parked = cpuRegisterLines([{ cpu: 2, online: true, dr6: '0x0', dr7: '0x0', slots: [{ slot: 0, enabled: true, address: '0xffff888000000000', length: 1, type: 'execute', owner: 'kstackwatch' }] }]);
  assert.equal(parked[0].detail, 'DR0 kstackwatch idle');
  assert.equal(lines[1].detail, 'DR0 kstackwatch 0xffffc90000004bd8/8 · DR1 data breakpoint 2 0xffffc90000004bd8/8 · DR2 kstackwatch 0xffffc90000004bd8/8 · DR3 kstackwatch 0xffffc90000004bd8/8');
});
