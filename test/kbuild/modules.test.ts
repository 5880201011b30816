// Modules written as kernel developers write them (test/kbuild/modules),
// built by Kbuild against the distribution's headers and loaded unmodified:
// a work item and a timer callback writing through stale stack pointers
// into a kthread's live frame (caught, the writer named as Linux names it:
// a kworker, ksoftirqd), a stack buffer overrun in string code (caught on
// the canary), an RCU-protected object freed with kfree_rcu; each clean in
// its clean variant.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { bootKo, kbuildFolder, kbuildSkip, REPO } from './harness';
import { frameOffset, run } from '../kstackwatch/harness';
import type { Kernel } from '../../simulator/system/kernel';
import { kernelHzFor } from '../../simulator/system/kernelHz';

const opts = { skip: kbuildSkip };
const ko = (name: string): string => join(kbuildFolder(join(REPO, 'test/kbuild/modules')), `${name}.ko`);
const fnOf = (s: string): string => s.split('+')[0];

/** Index of the element of `arr` (a u64 array local of `victim`) lying where `field` bytes into `local` of `stale` was; both are called from the same frame. */
function slotOver(k: Kernel, stale: string, local: string, field: number, victim: string, arr: string): number {
  const i = (frameOffset(k, stale, local) + field - frameOffset(k, victim, arr)) / 8;
  assert.ok(Number.isInteger(i) && i >= 0 && i < 16, `slot ${i}`);
  return i;
}

test('Kbuild wq_stale: a delayed work item writing through a stale stack pointer is caught on a kworker', opts, () => {
  const k = bootKo(ko('wq_stale'));
  const r = run(k, [`fn=process_batch var=batch[${slotOver(k, 'submit_request', 'req', 8, 'process_batch', 'batch')}]`]);
  assert.equal(r.corruptions.length, 1, r.logs.join('\n'));
  const c = r.corruptions[0];
  assert.equal(c.watch.function, 'process_batch');
  assert.equal(c.watch.comm, 'submitter');
  assert.equal(fnOf(c.writer.symbol), 'complete_request');
  assert.match(c.writer.comm, /^kworker\/\d+:0$/);
  assert.match(c.writer.file ?? '', /wq_stale\.c$/);
  assert.equal(fnOf(c.writer.stack[1].symbol), 'worker_thread');
  assert.ok(r.logs.some((l) => l.includes('wq_stale: batch[') && l.includes('corrupted')), r.logs.join('\n'));
  // the later result words run on over process_batch's canary: the stack protector panics when it returns
  assert.equal(r.stop.kind, 'panic');
});

test('Kbuild wq_stale bug=0: flushing the work before returning leaves the batch alone', opts, () => {
  const k = bootKo(ko('wq_stale'), { bug: 0 });
  const r = run(k, [`fn=process_batch var=batch[${slotOver(k, 'submit_request', 'req', 8, 'process_batch', 'batch')}]`]);
  assert.equal(r.corruptions.length, 0, r.logs.join('\n'));
  assert.ok(r.logs.includes('wq_stale: batch sum 120'), r.logs.join('\n'));
  assert.equal(r.stop.kind, 'idle');
});

test('Kbuild timer_stale: a timer callback writing through a stale pointer is caught on ksoftirqd', opts, () => {
  const k = bootKo(ko('timer_stale'));
  const r = run(k, [`fn=compute var=table[${slotOver(k, 'arm_watchdog', 'counter', 8, 'compute', 'table')}]`]);
  assert.equal(r.corruptions.length, 1, r.logs.join('\n'));
  const c = r.corruptions[0];
  assert.equal(c.watch.function, 'compute');
  assert.equal(c.watch.comm, 'wd_worker');
  assert.equal(fnOf(c.writer.symbol), 'watchdog_fire');
  assert.match(c.writer.comm, /^ksoftirqd\/\d+$/);
  assert.ok(r.logs.some((l) => l.startsWith('timer_stale: table[')), r.logs.join('\n'));
});

test('Kbuild timer_stale bug=0: del_timer_sync before returning: nothing is written', opts, () => {
  const k = bootKo(ko('timer_stale'), { bug: 0 });
  const r = run(k, [`fn=compute var=table[${slotOver(k, 'arm_watchdog', 'counter', 8, 'compute', 'table')}]`]);
  assert.equal(r.corruptions.length, 0, r.logs.join('\n'));
  assert.ok(!r.logs.some((l) => l.startsWith('timer_stale: table[')));
  assert.equal(r.stop.kind, 'idle');
});

test('Kbuild name_list: list and string code; bug=1 overruns a stack buffer into the canary', opts, () => {
  const clean = run(bootKo(ko('name_list')), ['fn=format_tag']);
  assert.equal(clean.corruptions.length, 0, clean.logs.join('\n'));
  assert.ok(clean.logs.includes('name_list: sum 70') && clean.logs.includes('name_list: done'), clean.logs.join('\n'));
  assert.equal(clean.stop.kind, 'idle');

  const r = run(bootKo(ko('name_list'), { bug: 1 }), ['fn=format_tag']);
  // the copy is byte by byte: each byte written over the canary is a report
  assert.ok(r.corruptions.length >= 1, r.logs.join('\n'));
  for (const c of r.corruptions) {
    assert.equal(c.watch.canary, true);
    assert.equal(fnOf(c.writer.symbol), 'format_tag');
    assert.equal(c.writer.comm, 'insmod');
  }
  assert.ok(r.logs.some((l) => l.includes('stack-protector: Kernel stack is corrupted in: format_tag')), r.logs.join('\n'));
});

test('Kbuild rcu_defer: kfree_rcu waits for readers; kfree at once lets a reader see freed memory', opts, () => {
  const clean = run(bootKo(ko('rcu_defer')), []);
  assert.ok(clean.logs.includes('rcu_defer: 0 bad reads'), clean.logs.join('\n'));
  assert.equal(clean.stop.kind, 'idle');
  assert.ok(!clean.events.some((e) => e.type === 'oops'));

  const r = run(bootKo(ko('rcu_defer'), { bug: 1 }), []);
  assert.ok(r.logs.some((l) => l.startsWith('rcu_defer: read freed config (magic 6b6b6b6b6b6b6b6b)')), r.logs.join('\n'));
});

test('Kbuild hz_sleep: jiffies tick at the CONFIG_HZ of the headers the module was built with', opts, () => {
  const k = bootKo(ko('hz_sleep'));
  const headers = kernelHzFor(k.module!.modinfo.get('vermagic')?.[0]);
  assert.ok('hz' in headers, JSON.stringify(headers));
  assert.equal(k.machine.hz, headers.hz);
  const r = run(k, []);
  const text = r.logs.join('\n');
  // the module's own HZ constant (folded in at compile time) is the rate the kernel ticks at
  const hz = /hz_sleep: HZ=(\d+) since boot 0 jiffies/.exec(text);
  assert.ok(hz && Number(hz[1]) === headers.hz, text);
  const slept = /hz_sleep: slept (\d+) jiffies \((\d+) ms\) (\d+) us left (-?\d+)/.exec(text);
  assert.ok(slept, text);
  assert.equal(Number(slept[1]), Math.ceil(100 * Number(hz[1]) / 1000)); // msecs_to_jiffies(100)
  assert.equal(Number(slept[2]), 100);
  assert.equal(Number(slept[4]), 0);
  // schedule_timeout wakes at a tick boundary: between 100 ms less one tick and 100 ms of ktime
  const tickUs = 1e6 / Number(hz[1]);
  assert.ok(Number(slept[3]) > 100_000 - tickUs && Number(slept[3]) <= 100_000, slept[0]);
  const timer = /hz_sleep: timer after (\d+) us/.exec(text);
  assert.ok(timer && Number(timer[1]) > 100_000 - tickUs && Number(timer[1]) <= 100_000, text); // HZ / 10 jiffies
  assert.equal(r.stop.kind, 'idle');
});

test('Kbuild wq_cpu: queue_work_on(cpu) runs on that CPU as kworker/<cpu>:0; schedule_work on the local CPU', opts, () => {
  for (const [cpus, seed] of [[4, 1], [4, 2], [2, 7], [3, 3]]) {
    const r = run(bootKo(ko('wq_cpu'), {}, seed, cpus), []);
    const text = r.logs.join('\n');
    for (let cpu = 0; cpu < cpus; cpu++) {
      assert.ok(r.logs.includes(`wq_cpu: queued on ${cpu} ran on ${cpu} as kworker/${cpu}:0`), `${cpus} CPUs, seed ${seed}:\n${text}`);
    }
    const last = cpus - 1;
    assert.ok(r.logs.includes(`wq_cpu: highpri queued on ${last} ran on ${last} as kworker/${last}:0H`), text);
    // the kthread was bound to the last CPU with kthread_bind(): its schedule_work() runs there
    assert.ok(r.logs.includes(`wq_cpu: schedule_work from cpu ${last} ran on ${last} as kworker/${last}:0`), text);
    assert.equal(r.stop.kind, 'idle');
  }
});

test('Kbuild canary_ctx: stack-protected frames in timer callbacks, work items, a kthread and init never panic', opts, () => {
  for (const seed of [1, 2, 3]) {
    const r = run(bootKo(ko('canary_ctx'), {}, seed), []);
    const text = r.logs.join('\n');
    const count = (who: string): number => r.logs.filter((l) => new RegExp(`^canary_ctx: ${who} on \\d$`).test(l)).length;
    assert.deepEqual([count('timer'), count('work'), count('thread'), count('init')], [5, 2, 5, 1], text);
    assert.ok(!text.includes('stack-protector'), text);
    assert.equal(r.stop.kind, 'idle');
  }
});

test('Kbuild static_keys: __jump_table branches follow each key, patched by static_branch_enable/disable/inc/dec; pr_debug stays off', opts, () => {
  const r = run(bootKo(ko('static_keys')), []);
  const text = r.logs.join('\n');
  assert.deepEqual(r.logs.filter((l) => l.startsWith('static_keys:')), [
    'static_keys: initial: fast_path off, on_key on',
    'static_keys: flipped: fast_path on, on_key off',
    'static_keys: counted: fast_path off, on_key on',
  ], text);
  assert.equal(r.stop.kind, 'idle');
});

test('Kbuild irq_flags: local_irq_save/restore, irqs_disabled and spin_lock_irqsave via pv_ops run natively once .altinstructions are applied', opts, () => {
  const k = bootKo(ko('irq_flags'));
  const r = run(k, []);
  const text = r.logs.join('\n');
  assert.ok(r.logs.includes('irq_flags: counter 110, 0 bad'), text);
  assert.equal(r.stop.kind, 'idle');
  // no call through pv_ops is left in the module's code: each site became the native sequence
  const pvOps = k.machine.kernelSymbol('pv_ops')!;
  let sites = 0;
  for (const sec of k.module!.sections.filter((s) => s.name.startsWith('.text'))) {
    const code = k.machine.mem.read(sec.address, sec.size);
    const dv = new DataView(code.buffer, code.byteOffset);
    for (let i = 0; i + 6 <= code.length; i++) {
      if (code[i] !== 0xff || code[i + 1] !== 0x15) continue;
      const target = sec.address + BigInt(i) + 6n + BigInt(dv.getInt32(i + 2, true));
      assert.ok(target < pvOps || target >= pvOps + 0x400n, `call *pv_ops left at ${sec.name}+0x${i.toString(16)}`);
      sites++;
    }
  }
  assert.equal(sites, 0);
});

test('Kbuild irq_flags: a pv_ops call left unpatched oopses naming pv_ops', opts, () => {
  const k = bootKo(ko('irq_flags'));
  const m = k.machine;
  // Put the first .altinstructions site back to what gcc emitted: call *pv_ops+OFF(%rip).
  const alt = k.module!.sectionByName('.altinstructions')!;
  const site = alt.address + BigInt(BigInt.asIntN(32, BigInt(m.mem.readU32(alt.address))));
  const disp = m.kernelSymbol('pv_ops')! + 0xf0n - (site + 6n);
  const call = Uint8Array.of(0xff, 0x15, 0, 0, 0, 0);
  new DataView(call.buffer).setInt32(2, Number(disp), true);
  m.mem.write(site, call, true);
  m.cpu.flushCode();
  const r = run(k, []);
  const oops = r.events.find((e) => e.type === 'oops');
  assert.ok(oops, r.logs.join('\n'));
  assert.ok(r.logs.some((l) => l.includes('pv_ops') && l.includes('.altinstructions')), r.logs.join('\n'));
  assert.ok(!r.logs.some((l) => l.startsWith('irq_flags: counter')), r.logs.join('\n'));
});
