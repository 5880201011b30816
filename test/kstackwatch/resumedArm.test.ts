// A loop calling the watched function re-arms the watchpoint its last
// return disarmed, that disarm still waiting, without finding or
// re-pointing anything (StackProbe.resumeCanary, WatchPool.resume): the
// resumed watch still catches a write into the canary, with the store and
// the writer's stack, on the one call that writes it — and no other.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compileModule } from '../../simulator/toolchain/compile';
import { Kernel } from '../../simulator/system/kernel';
import { WatchPool } from '../../simulator/kstackwatch/watch';

const SOURCE = resolve(__dirname, '../../../test/kstackwatch/resumedArm.c');

test('a resumed arm catches the write into the canary on the one call that makes it', () => {
  const r = compileModule(SOURCE, { output: join(mkdtempSync(join(tmpdir(), 'ksw-resumed-')), 'resumed.o') });
  if (!('objectPath' in r) || !r.objectPath) throw new Error(`compile failed: ${r.diagnostics}`);
  const proto = WatchPool.prototype as unknown as { resume(this: WatchPool, ...a: unknown[]): boolean };
  const orig = proto.resume;
  let resumed = 0;
  proto.resume = function (this: WatchPool, ...a: unknown[]) { const done = orig.apply(this, a); if (done) resumed++; return done; };
  try {
    const k = new Kernel({ cpus: 4, seed: 3, maxInstructions: 1e8 });
    k.load(r.objectPath);
    k.ksw.start('fn=victim');
    k.startInit();
    assert.equal(k.run().kind, 'idle');
    assert.ok(resumed >= 40, `${resumed} of 60 arms resumed`);
    assert.equal(k.ksw.corruptions.length, 1, 'one write into the canary, one report');
    const c = k.ksw.corruptions[0];
    assert.equal(c.writer.symbol.split('+')[0], 'victim');
    assert.equal(c.old, c.new, 'the canary written with itself');
    assert.ok(c.writer.stack.some((f) => f.symbol?.startsWith('resumed_init')), 'the writer\'s stack names the loop');
  } finally {
    proto.resume = orig;
  }
});
