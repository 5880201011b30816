// The kernel API (simulator/kernel/api) end to end: guest modules from
// test/guests/api_*.c, compiled with the `ksw cc` flags at test time, are
// loaded into a Machine with registerKernelApi() and run; the tests check
// their kernel log, the run's outcome (idle, deadlock, panic, oops) and the
// machine state, under several seeds and CPU counts.

import { after, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileModule } from '../../simulator/toolchain/compile';
import { loadModule, LoadedModule } from '../../simulator/elf/moduleLoader';
import { DEFAULT_OPTIONS, Machine, MachineStop } from '../../simulator/kernel/machine';
import { flushPrintk, registerKernelApi, resolveKernelSymbol } from '../../simulator/kernel/api/index';
import { KernelEvent, LogEvent, OopsEvent } from '../../simulator/kernel/events';
import { HwBreakpoints } from '../../simulator/kernel/hwBreakpoint';
import { Task, TaskState } from '../../simulator/kernel/task';
import { allKernelImports, SDK_EXPORTED_VARIABLES } from '../../simulator/sdk/symbols';
import { KERNEL_EXPORT_MIN } from '../../simulator/sdk/abi';
import { RegSlot } from '../../simulator/cpu/registers';
import { joinAddress } from '../../simulator/memory/memory';
import { skipUnless } from '../tools';

const ROOT = path.resolve(__dirname, '../../..');
const GUESTS = path.join(ROOT, 'test/guests');
const CC = process.env.CC || 'gcc';
const NO_GCC = skipUnless('gcc');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-api-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const compiled = new Map<string, Uint8Array>();
function guest(name: string, cflags: string[] = []): Uint8Array {
  const key = [name, ...cflags].join(' ');
  const hit = compiled.get(key);
  if (hit) return hit;
  const out = path.join(tmp, `${name}-${compiled.size}.o`);
  const r = compileModule(path.join(GUESTS, `${name}.c`), { output: out, cflags: ['-Wall', '-Werror', ...cflags] });
  if ('error' in r) assert.fail(`${r.error}\n${r.diagnostics}`);
  const bytes = fs.readFileSync(r.objectPath);
  compiled.set(key, bytes);
  return bytes;
}

interface Booted {
  m: Machine;
  mod: LoadedModule;
  events: KernelEvent[];
  /** Log lines so far. */
  lines(): string[];
  logs(): LogEvent[];
  oopses(): OopsEvent[];
  /** Run module_init (then module_exit once everything is idle). */
  run(): MachineStop;
}

function boot(name: string, opts: { cpus?: number; seed?: number; params?: Record<string, number>; cflags?: string[]; maxInstructions?: number } = {}): Booted {
  const m = new Machine({ ...DEFAULT_OPTIONS, cpus: opts.cpus ?? 2, seed: opts.seed ?? 1, maxInstructions: opts.maxInstructions ?? 200_000_000 });
  registerKernelApi(m);
  const mod = loadModule(m.mem, guest(name, opts.cflags), { resolve: (n) => resolveKernelSymbol(m, n) });
  m.cpu.flushCode();
  m.symbolizers.unshift((addr) => {
    if (!mod.contains(addr)) return undefined;
    const s = mod.symbolize(addr);
    return s ? { symbol: s } : undefined;
  });
  for (const [k, v] of Object.entries(opts.params ?? {})) {
    const p = mod.params.find((x) => x.name === k);
    assert.ok(p, `no parameter ${k}`);
    const b = Buffer.alloc(p.size);
    b.writeIntLE(v, 0, Math.min(p.size, 6));
    m.mem.write(p.address, b, true);
  }
  const events: KernelEvent[] = [];
  m.listeners.push((e) => events.push(e));
  const logs = (): LogEvent[] => events.filter((e): e is LogEvent => e.type === 'log');
  return {
    m, mod, events, logs,
    lines: () => logs().map((e) => e.text),
    oopses: () => events.filter((e): e is OopsEvent => e.type === 'oops'),
    run() {
      assert.ok(mod.initAddress !== undefined);
      m.wake(m.createTask('insmod', mod.initAddress, 0n));
      let stop = m.run();
      if (stop.kind === 'idle' && mod.exitAddress !== undefined) {
        m.wake(m.createTask('rmmod', mod.exitAddress, 0n));
        stop = m.run();
      }
      flushPrintk(m);
      return stop;
    },
  };
}

/** The lines starting with `prefix`, without it. */
function withPrefix(lines: string[], prefix: string): string[] {
  return lines.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length));
}

describe('exports', () => {
  test('every symbol the SDK declares (and gcc may call) is exported, in reach of module code', () => {
    const m = new Machine({ ...DEFAULT_OPTIONS, cpus: 1 });
    registerKernelApi(m);
    registerKernelApi(m); // idempotent
    // The KStackWatch layer registers its own two helpers.
    const mine = allKernelImports().filter((n) => n !== 'ksw_watch_show' && n !== 'ksw_watch_fire');
    const missing = mine.filter((n) => resolveKernelSymbol(m, n) === undefined);
    assert.deepEqual(missing, []);
    for (const n of mine) assert.ok(resolveKernelSymbol(m, n)! >= KERNEL_EXPORT_MIN, n);
    for (const v of SDK_EXPORTED_VARIABLES) {
      assert.equal(m.host.resolve(v), undefined, `${v} is a variable, not a function`);
      assert.equal(m.kernelSymbol(v), resolveKernelSymbol(m, v));
    }
    assert.equal(m.mem.readU64(resolveKernelSymbol(m, 'jiffies')!), BigInt.asUintN(32, BigInt(-300 * 1000)));
  });
});

describe('one task: printk, strings, heap, time', { skip: NO_GCC }, () => {
  for (const cflags of [[], ['-O0']]) {
    test(`api_basic ${cflags.join(' ') || '-O2'}`, () => {
      const g = boot('api_basic', { cflags });
      const stop = g.run();
      assert.deepEqual(stop, { kind: 'idle' });
      const lines = g.lines();
      const basic = withPrefix(lines, 'basic: ');
      const expect = (line: string | RegExp): void => {
        assert.ok(basic.some((l) => (typeof line === 'string' ? l === line : line.test(l))), `missing ${line}\n${basic.join('\n')}`);
      };
      expect('hello world -5 5 beef ffff888000000000 123456789abcdef Z %');
      expect('pad [   42] [42   ] [00042] [+42] [abc] [   7] [7   ]');
      expect('many 1 2 3 4 5 6 7 8 9 ten');
      expect(/^sym helper\+0x0\/0x[0-9a-f]+ helper$/);
      expect('null [(null)] ptr ffff888012345678');
      expect('snprintf n=15 buf=truncat');
      expect('scnprintf n=7');
      expect('sprintf n=5 buf=2+2=4');
      expect('logv n=27 [vsnprintf 1 two 3 4 5 6 7 8]');
      expect('str abcdefgh len=8 nlen=4 cmp=-1,1,0 ncmp=0,1 case=0');
      expect('chr cdefgh /c stack 1');
      expect('strscpy -7 [0123456789abcde]');
      expect('strscpy 5 [short]');
      expect('mem aabxx cmp=1,0 chr=2');
      expect('strncpy 1111');
      expect('kmalloc ok=1 ksize=112 zero=1');
      expect('krealloc payload big=1');
      expect('kmalloc(0) 0000000000000010');
      expect('kcalloc 1');
      expect('sscanf n=4 a=12 b=31 word=word c=63');
      expect('kstrdup duplicate mem dup');
      expect('kstrtoint 0 -123 -34 -22');
      expect('kstrtoul 0 16');
      expect('random below ok=1');
      expect('msleep 1 jiffies 1 1 initial 1');
      expect('jiffies spin 3');
      expect('udelay 1');
      expect('mdelay 1');
      expect('usleep_range 1');
      expect('cpus 2/2 online0=1 online99=0 cpu_ok=1');
      expect(/^current insmod pid=\d+$/);
      expect('preempt 1');
      expect('preempt 0');
      const big = (1n << 100n) + 12345n;
      expect(`popcount 16 div128 ${BigInt.asUintN(64, big / 1000000007n)} mod128 ${big % 1000000007n}`);
      expect('watched written by snprintf');
      assert.ok(lines.includes('vprintk 1 2 3 4 5 6 7'), 'vprintk');
      assert.ok(lines.includes('exit') || basic.includes('exit'));

      // Levels: pr_info 6, KERN_ERR 3, no level 4; continuation lines joined.
      const logs = g.logs();
      const level = (text: string): number | undefined => logs.find((e) => e.text === text)?.level;
      assert.equal(level('basic: hello world -5 5 beef ffff888000000000 123456789abcdef Z %'), 6);
      assert.equal(level('err level'), 3);
      assert.equal(level('default level'), 4);
      assert.equal(level('basic: part1 part2 part3'), 6);
      assert.ok(basic.includes('two') && lines.includes('lines'));
      // A partial line is finalized by the next message, in order.
      const iPartial = lines.indexOf('basic: no newline at the end');
      assert.ok(iPartial >= 0 && lines[iPartial + 1] === 'basic: after the partial line', lines.slice(iPartial - 1, iPartial + 2).join('|'));
      assert.equal(level('basic: no newline at the end'), 4);
      assert.equal(level('basic: after the partial line'), 5);

      // dump_stack: header, trace through dump_stack into basic_init.
      const iStack = lines.findIndex((l) => /^CPU: \d+ PID: \d+ Comm: insmod$/.test(l));
      assert.ok(iStack >= 0, 'dump_stack header');
      assert.equal(lines[iStack + 1], 'Call Trace:');
      assert.equal(lines[iStack + 2], ' <TASK>');
      assert.match(lines[iStack + 3], /^ dump_stack\+0x0\/0x10$/);
      assert.match(lines[iStack + 4], /^ basic_init\+0x[0-9a-f]+\/0x[0-9a-f]+$/);
      assert.ok(lines.slice(iStack).includes(' </TASK>'));
    });
  }

  test('host writes are seen by data breakpoints', () => {
    const g = boot('api_basic');
    const hw = new HwBreakpoints(g.m);
    const watched = g.mod.symbol('watched')!.address;
    const hits: string[] = [];
    hw.registerWide({ address: watched + 8n, length: 8, kind: 'w' }, (hit) => {
      hits.push(g.m.symbolize(hit.trapIp).symbol);
    });
    assert.deepEqual(g.run(), { kind: 'idle' });
    // memset and snprintf each wrote the watched slot; the trap is reported after the call.
    assert.equal(hits.length, 2, hits.join(', '));
    for (const h of hits) assert.match(h, /^basic_init\+0x/);
  });

  test('the same seed gives the same log', () => {
    const a = boot('api_basic', { seed: 7 }), b = boot('api_basic', { seed: 7 });
    a.run();
    b.run();
    assert.deepEqual(a.events, b.events);
  });
});

describe('several tasks: kthreads, completions, locks', { skip: NO_GCC }, () => {
  for (const [cpus, seed] of [[4, 1], [4, 2], [2, 3], [1, 4], [3, 99]]) {
    test(`api_threads on ${cpus} CPUs, seed ${seed}`, () => {
      const g = boot('api_threads', { cpus, seed });
      const stop = g.run();
      assert.deepEqual(stop, { kind: 'idle' }, g.lines().join('\n'));
      const lines = withPrefix(g.lines(), 'threads: ');
      const expect = (line: string): void => assert.ok(lines.includes(line), `missing ${line}\n${lines.join('\n')}`);
      expect('names worker_0 worker_3 pid_ok=1');
      expect('gate passed before complete_all: 0');
      expect('counters 1200 1200 expected 1200 max_inside 1');
      if (cpus > 1) expect('several cpus 1');
      expect('kthread_stop(waiter) = 77 loops_ok=1');
      for (let i = 0; i < 4; i++) expect(`kthread_stop(worker_${i}) = ${100 + i}`);
      expect('created never_runs');
      expect('kthread_stop(unstarted) = -4');
      expect('timeout left=0 waited_ok=1 done=0');
      expect('done=1 try=1');
      expect('early left=100 try=0');
      expect('mutex trylock 1 0 locked=1');
      expect('mutex unlocked=1');
      expect('spin trylock 0 locked=1 preempt=1 irqflags=200');
      expect('spin unlocked=1 preempt=0');
      expect('schedule_timeout ret=0 slept_ok=1');
      assert.ok(!g.lines().some((l) => l.includes('never_runs ran') || l.startsWith('BUG')), g.lines().join('\n'));
      assert.ok(g.m.tasks.every((t) => t.state === TaskState.DEAD));
    });
  }

  test('lock contention really happens (a smaller run, instrumented)', () => {
    const g = boot('api_threads', { cpus: 4, seed: 5, params: { iters: 50 } });
    const lockFn = g.m.host.get('_raw_spin_lock')!;
    const mutexFn = g.m.host.get('mutex_lock')!;
    // Count how often each lock function is entered: contended calls re-execute.
    const counts = { spin: 0, mutex: 0 };
    const origSpin = g.m.cpu.hostFunctions[lockFn.index];
    const origMutex = g.m.cpu.hostFunctions[mutexFn.index];
    g.m.cpu.hostFunctions[lockFn.index] = (c) => { counts.spin++; origSpin(c); };
    g.m.cpu.hostFunctions[mutexFn.index] = (c) => { counts.mutex++; origMutex(c); };
    assert.deepEqual(g.run(), { kind: 'idle' });
    assert.ok(withPrefix(g.lines(), 'threads: ').includes('counters 200 200 expected 200 max_inside 1'));
    // 4 × 50 acquisitions each; more entries means lockers waited and retried.
    assert.ok(counts.spin > 200, `spin_lock entries ${counts.spin}`);
    assert.ok(counts.mutex > 200, `mutex_lock entries ${counts.mutex}`);
  });
});

describe('libgcc helpers', { skip: NO_GCC }, () => {
  let native: string[] = [];
  test('the host build of api_libgcc.c runs', () => {
    const exe = path.join(tmp, 'libgcc-native');
    const cc = spawnSync(CC, ['-O1', '-w', path.join(GUESTS, 'api_libgcc.c'), '-o', exe], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    const r = spawnSync(exe, [], { encoding: 'utf8' });
    assert.equal(r.status, 0);
    native = r.stdout.trimEnd().split('\n');
    assert.ok(native.length > 40);
  });

  for (const cflags of [[], ['-O0'], ['-O1']]) {
    test(`the module computes what the host computes (${cflags.join(' ') || '-O2'})`, () => {
      assert.ok(native.length > 0);
      const g = boot('api_libgcc', { cflags });
      const imports = g.mod.elf.symbols().filter((s) => s.shndx === 0 && s.name.startsWith('__')).map((s) => s.name);
      assert.ok(imports.some((n) => /^__(u?divti3|u?modti3|u?divmodti4)$/.test(n)), imports.join(' '));
      assert.ok(imports.includes('__popcountdi2'), imports.join(' '));
      assert.deepEqual(g.run(), { kind: 'idle' });
      assert.deepEqual(g.lines(), native);
    });
  }

  for (const cflags of [['-ftrapv'], ['-O0', '-ftrapv']]) {
    test(`-ftrapv arithmetic (${cflags.join(' ')})`, () => {
      const g = boot('api_libgcc', { cflags, params: { only_trapv: 1 } });
      const imports = g.mod.elf.symbols().filter((s) => s.shndx === 0 && s.name.startsWith('__')).map((s) => s.name);
      assert.ok(imports.some((n) => /^__(add|sub|mul|neg)v[sd]i[23]$/.test(n)), imports.join(' '));
      assert.deepEqual(g.run(), { kind: 'idle' });
      assert.deepEqual(g.lines(), native.filter((l) => l.startsWith('trapv')));
    });
  }

  test('-ftrapv overflow oopses in __addvdi3', () => {
    const g = boot('api_libgcc', { cflags: ['-ftrapv'], params: { trap: 1, only_trapv: 1 } });
    assert.deepEqual(g.run(), { kind: 'idle' });
    const [oops] = g.oopses();
    assert.ok(oops, 'no oops');
    assert.match(oops.reason, /integer overflow trapped \(-ftrapv\) in __addvdi3/);
  });
});

describe('failure paths', { skip: NO_GCC }, () => {
  const run = (mode: number, extra: Record<string, number> = {}, cpus = 2): { g: Booted; stop: MachineStop } => {
    const g = boot('api_fatal', { cpus, params: { mode, ...extra } });
    return { g, stop: g.run() };
  };

  test('stack protector: "Kernel stack is corrupted in: victim+…", then panic', () => {
    const { g, stop } = run(1);
    assert.equal(stop.kind, 'panic');
    const reason = (stop as { reason: string }).reason;
    assert.match(reason, /^stack-protector: Kernel stack is corrupted in: victim\+0x[0-9a-f]+\/0x[0-9a-f]+$/);
    const lines = g.lines();
    assert.ok(lines.includes(`Kernel panic - not syncing: ${reason}`), lines.join('\n'));
    const i = lines.indexOf('Call Trace:');
    assert.match(lines[i + 2], /^ __stack_chk_fail\+0x0\/0x10$/);
    assert.match(lines[i + 3], /^ victim\+0x/);
    assert.match(lines[i + 4], /^ fatal_init(\.cold)?\+0x/);
    // The return address is the call's: %pB names victim even though the call is its last instruction.
    const victim = g.mod.symbol('victim')!;
    const off = BigInt('0x' + /victim\+0x([0-9a-f]+)/.exec(reason)![1]);
    assert.ok(off > 0n && off <= BigInt(victim.size));
  });

  test('no overflow, no panic', () => {
    const { g, stop } = run(1, { overflow: 16 });
    assert.deepEqual(stop, { kind: 'idle' });
    assert.ok(g.lines().some((l) => /^fatal: victim wrote 16 bytes at [0-9a-f]{16}$/.test(l)));
  });

  test('AB-BA deadlock: both tasks blocked in mutex_lock', () => {
    const { g, stop } = run(2);
    assert.equal(stop.kind, 'deadlock');
    const tasks = (stop as { tasks: Task[] }).tasks;
    assert.deepEqual(tasks.map((t) => t.comm).sort(), ['ab', 'ba']);
    for (const t of tasks) {
      assert.match(t.waitReason, /^mutex 0x[0-9a-f]+ \(owner (ab|ba)\/\d+\)$/);
      const trace = g.m.callTrace(t, joinAddress(t.regs[RegSlot.RIP], t.regs[RegSlot.RIP + 1]));
      assert.equal(trace[0].symbol, 'mutex_lock+0x0/0x10');
      assert.match(trace[1].symbol, /^(ab|ba)\+0x/);
    }
  });

  test('panic(fmt, ...)', () => {
    const { g, stop } = run(3);
    assert.deepEqual(stop, { kind: 'panic', reason: 'boom 42' });
    const logs = g.logs();
    assert.equal(logs.find((e) => e.text === 'Kernel panic - not syncing: boom 42')?.level, 0);
    const lines = g.lines();
    const i = lines.indexOf('Call Trace:');
    assert.equal(lines[i + 2], ' panic+0x0/0x10');
    assert.match(lines[i + 3], /^ fatal_init(\.cold)?\+0x/);
  });

  test('double kfree oopses the caller, the machine goes on', () => {
    const { g, stop } = run(4);
    assert.deepEqual(stop, { kind: 'idle' });
    const lines = g.lines();
    assert.ok(lines.includes('fatal: freed once'));
    assert.ok(!lines.includes('fatal: freed twice'));
    const [oops] = g.oopses();
    assert.match(oops.reason, /^kfree: invalid or double free of 0xffff888/);
    assert.equal(oops.symbol, 'kfree+0x0/0x10');
    assert.match(oops.stack[1].symbol, /^fatal_init\+0x/);
  });

  test('bad pointers: printk prints (efault), strlen oopses', () => {
    const { g, stop } = run(5);
    assert.deepEqual(stop, { kind: 'idle' });
    const lines = g.lines();
    assert.ok(lines.includes('fatal: bad [(efault)] [(efault)]'), lines.join('\n'));
    assert.ok(!lines.includes('fatal: not reached'));
    const [oops] = g.oopses();
    assert.match(oops.reason, /^page fault: read at 0xffff8880dead0000/);
    assert.equal(oops.symbol, 'strlen+0x0/0x10');
  });

  test('spinlock recursion is reported, then the task is parked (deadlock, not a burnt budget)', () => {
    const { g, stop } = run(6);
    assert.equal(stop.kind, 'deadlock');
    const lines = g.lines();
    assert.ok(lines.some((l) => /^BUG: spinlock recursion on CPU#\d, insmod\/\d+$/.test(l)), lines.join('\n'));
    assert.ok(g.m.insns < 1_000_000);
  });

  for (const cpus of [1, 2, 4]) {
    test(`sleeping with a spinlock held: "scheduling while atomic", the spinner waits (${cpus} CPUs)`, () => {
      const { g, stop } = run(7, {}, cpus);
      assert.deepEqual(stop, { kind: 'idle' });
      const lines = g.lines();
      assert.ok(lines.some((l) => /^BUG: scheduling while atomic: holder\/\d+\/0x00000001$/.test(l)), lines.join('\n'));
      assert.ok(lines.includes('fatal: spinner got the lock'));
      assert.ok(g.m.insns < 1_000_000, `insns ${g.m.insns}`);
    });
  }

  test('a lock holder that exits: "spinlock lockup suspected", then deadlock', () => {
    const { g, stop } = run(8);
    assert.equal(stop.kind, 'deadlock');
    const lines = g.lines();
    assert.ok(lines.some((l) => /^BUG: spinlock lockup suspected on CPU#\d, spinner\/\d+$/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /^ lock: 0x[0-9a-f]+, \.owner: holder\/\d+, \.owner_cpu: \d+$/.test(l)));
  });

  test('a last printk without a newline is flushed when its task exits', () => {
    const { g } = run(9);
    const logs = g.logs();
    assert.equal(logs[logs.length - 1].text, 'fatal: last words');
  });
});
