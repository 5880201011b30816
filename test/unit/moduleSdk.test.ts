// The guest SDK: every header compiles on its own and warning-free, the
// kernel symbols the headers declare are exactly the list in
// simulator/sdk/symbols.ts, the layouts in simulator/sdk/abi.ts match the
// headers, and the inline parts (per-CPU reads, atomics, lists) behave on
// the simulated CPU.

import { after, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileModule } from '../../simulator/toolchain/compile';
import { Cpu } from '../../simulator/cpu/cpu';
import { Gpr } from '../../simulator/cpu/registers';
import { loadModule } from '../../simulator/elf/moduleLoader';
import { Memory, Perm } from '../../simulator/memory/memory';
import * as abi from '../../simulator/sdk/abi';
import { moduleCompileArgs, sdkIncludeDir } from '../../simulator/sdk/flags';
import { allKernelImports, SDK_EXPORTED_VARIABLES, SDK_EXPORTS } from '../../simulator/sdk/symbols';
import { skipUnless } from '../tools';

const ROOT = path.resolve(__dirname, '../../..');
const GUESTS = path.join(ROOT, 'test/guests');
const INCLUDE = path.join(ROOT, 'simulator/sdk/include');
const CC = process.env.CC || 'gcc';
const NO_GCC = skipUnless('gcc');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-sdk-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const headers = ['linux', 'asm'].flatMap((d) => fs.readdirSync(path.join(INCLUDE, d)).filter((f) => f.endsWith('.h')).map((f) => `${d}/${f}`)).sort();

function compile(src: string, cflags: string[], out = path.join(tmp, path.basename(src).replace(/\.c$/, '') + '.o')): string {
  const r = compileModule(src, { output: out, cflags });
  if ('error' in r) assert.fail(`${r.error}\n${r.diagnostics}`);
  return r.objectPath;
}

describe('headers', { skip: NO_GCC }, () => {
  test('the contract headers exist', () => {
    for (const h of ['module', 'kernel', 'printk', 'kthread', 'sched', 'delay', 'completion', 'slab', 'string', 'random',
      'spinlock', 'mutex', 'atomic', 'list', 'smp', 'ktime', 'types', 'compiler', 'bug', 'errno', 'kstackwatch']) {
      assert.ok(headers.includes(`linux/${h}.h`), h);
    }
  });

  test('each header compiles on its own, without warnings', () => {
    // One translation unit per header, in one gcc run per header (cheap: no code).
    for (const h of headers) {
      const src = path.join(tmp, `only-${h.replace('/', '-')}.c`);
      fs.writeFileSync(src, `#include <${h}>\n`);
      const out = path.join(tmp, 'only.o');
      const r = spawnSync(CC, moduleCompileArgs(src, out, ['-Wall', '-Wextra', '-Werror']), { encoding: 'utf8' });
      assert.equal(r.status, 0, `${h}:\n${r.stderr}`);
    }
  });

  test('each header\'s macros work with only that header included', () => {
    const uses: Record<string, string> = {
      'linux/bug.h': 'void f(int x) { BUG_ON(x == 1); if (WARN_ON(x == 2)) return; WARN_ONCE(x == 3, "x=%d", x); WARN_ON_ONCE(x); }',
      'linux/printk.h': 'void f(int x) { pr_info("%d\\n", x); pr_err_once("once\\n"); pr_debug("no\\n"); pr_cont("c"); }',
      'linux/list.h': 'struct n { int v; struct list_head l; }; int f(struct list_head *h) { struct n *p; int s = 0; list_for_each_entry(p, h, l) s += p->v; return s; }',
      'linux/kthread.h': 'static int fn(void *d) { (void)d; return 0; } int f(void) { struct task_struct *t = kthread_run(fn, NULL, "w%d", 1); return IS_ERR(t) ? PTR_ERR(t) : current->pid; }',
      'linux/spinlock.h': 'static DEFINE_SPINLOCK(l); void f(void) { unsigned long fl; spin_lock_irqsave(&l, fl); spin_unlock_irqrestore(&l, fl); spin_lock(&l); spin_unlock(&l); }',
      'linux/mutex.h': 'static DEFINE_MUTEX(m); void f(void) { mutex_lock(&m); mutex_unlock(&m); }',
      'linux/completion.h': 'static DECLARE_COMPLETION(c); void f(void) { complete(&c); wait_for_completion(&c); }',
      'linux/atomic.h': 'static atomic_t a = ATOMIC_INIT(1); int f(void) { int o = 0; return atomic_inc_return(&a) + cmpxchg(&o, 0, 1) + xchg(&o, 2); }',
      'linux/sched.h': 'int f(void) { set_current_state(TASK_INTERRUPTIBLE); schedule(); cond_resched(); return current->pid + smp_processor_id(); }',
      'linux/smp.h': 'int f(void) { int c = get_cpu(); put_cpu(); return c; }',
      'linux/jiffies.h': 'int f(unsigned long t) { return time_after(jiffies, t + msecs_to_jiffies(5)); }',
      'linux/ktime.h': 'long long f(void) { ktime_t t = ktime_get(); return ktime_ms_delta(ktime_get(), t) + (long long)ktime_get_ns(); }',
      'linux/kernel.h': 'struct s { int a; int b; }; int f(int *p) { int arr[3]; return (int)ARRAY_SIZE(arr) + min(1, 2) + container_of(p, struct s, b)->a; }',
      'linux/slab.h': 'void *f(void) { return kcalloc(2, 8, GFP_KERNEL); }',
      'linux/module.h': 'static int x; module_param(x, int, 0644); static int __init i(void) { return x; } module_init(i); MODULE_LICENSE("GPL");',
    };
    for (const [h, body] of Object.entries(uses)) {
      const src = path.join(tmp, `use-${h.replace('/', '-')}.c`);
      fs.writeFileSync(src, `#include <${h}>\n${body}\n`);
      const r = spawnSync(CC, moduleCompileArgs(src, path.join(tmp, 'use.o'), ['-Wall', '-Werror']), { encoding: 'utf8' });
      assert.equal(r.status, 0, `${h}:\n${r.stderr}`);
    }
  });

  for (const flags of [['-O2'], ['-O0'], ['-O2', '-std=gnu11'], ['-O2', '-gdwarf-4']]) {
    test(`module_all.c compiles warning-free with -Wall -Wextra ${flags.join(' ')}`, () => {
      const r = compileModule(path.join(GUESTS, 'module_all.c'), {
        output: path.join(tmp, 'all.o'), cflags: [...flags, '-Wall', '-Wextra', '-Werror'],
      });
      assert.ok('objectPath' in r, 'error' in r ? r.diagnostics : '');
      assert.equal(r.diagnostics, '');
    });
  }

  test('module_all.c imports only symbols the SDK lists, and loads', () => {
    const known = new Set(allKernelImports());
    const obj = compile(path.join(GUESTS, 'module_all.c'), []);
    const mem = new Memory(16 << 20);
    const asked: string[] = [];
    const mod = loadModule(mem, fs.readFileSync(obj), {
      resolve: (name) => { asked.push(name); return known.has(name) ? abi.KERNEL_EXPORT_MIN + 0x1000n : undefined; },
    });
    assert.ok(asked.includes('_printk') && asked.includes('kthread_create_on_node') && asked.includes('jiffies'));
    assert.deepEqual(mod.params.map((p) => `${p.name}:${p.type}:${p.size}`),
      ['big_value:ullong:8', 'count:int:4', 'flag:bool:1', 'mask:hexint:4', 'who:charp:8']);
    assert.ok(mod.initAddress !== undefined && mod.exitAddress !== undefined);
    assert.ok(mod.bugs.length >= 4);
  });

  test('symbols.ts lists exactly the extern functions and variables the headers declare', () => {
    const src = path.join(tmp, 'every-header.c');
    fs.writeFileSync(src, headers.map((h) => `#include <${h}>\n`).join(''));
    const aux = path.join(tmp, 'aux.txt');
    const r = spawnSync(CC, ['-aux-info', aux, ...moduleCompileArgs(src, path.join(tmp, 'every.o'))], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    // Lines look like: /* /path/include/linux/slab.h:15:NC */ extern void *kmalloc (size_t, gfp_t);
    const declared = new Map<string, string>();
    for (const line of fs.readFileSync(aux, 'utf8').split('\n')) {
      const m = /^\/\* (\S+):\d+:\w+ \*\/ extern .*?\b(\w+) \(/.exec(line);
      if (m && m[1].startsWith(sdkIncludeDir())) declared.set(m[2], path.basename(m[1]));
    }
    for (const h of headers) {
      const text = fs.readFileSync(path.join(INCLUDE, h), 'utf8');
      for (const m of text.matchAll(/^extern [^(]*?\b(\w+);$/gm)) declared.set(m[1], path.basename(h));
    }
    const listed = new Map<string, string>();
    for (const [header, names] of Object.entries(SDK_EXPORTS)) for (const n of names) listed.set(n, header);
    assert.deepEqual([...declared.entries()].sort(), [...listed.entries()].sort());
    for (const v of SDK_EXPORTED_VARIABLES) assert.ok(listed.has(v), v);
  });

  test('abi.ts layouts match the headers', () => {
    const checks: [string, number | bigint][] = [
      ['offsetof(struct task_struct, __state)', abi.TASK_STRUCT.STATE],
      ['offsetof(struct task_struct, flags)', abi.TASK_STRUCT.FLAGS],
      ['offsetof(struct task_struct, stack)', abi.TASK_STRUCT.STACK],
      ['offsetof(struct task_struct, pid)', abi.TASK_STRUCT.PID],
      ['offsetof(struct task_struct, tgid)', abi.TASK_STRUCT.TGID],
      ['offsetof(struct task_struct, comm)', abi.TASK_STRUCT.COMM],
      ['sizeof(((struct task_struct *)0)->comm)', abi.TASK_STRUCT.COMM_LEN],
      ['offsetof(struct task_struct, stack_canary)', abi.TASK_STRUCT.STACK_CANARY],
      ['offsetof(struct task_struct, prio)', abi.TASK_STRUCT.PRIO],
      ['offsetof(struct task_struct, cpu)', abi.TASK_STRUCT.CPU],
      ['offsetof(struct task_struct, __ksw_private)', abi.TASK_STRUCT.PRIVATE],
      ['sizeof(struct task_struct)', abi.TASK_STRUCT.SIZE],
      ['TASK_RUNNING', abi.TASK_STATE.RUNNING], ['TASK_INTERRUPTIBLE', abi.TASK_STATE.INTERRUPTIBLE],
      ['TASK_UNINTERRUPTIBLE', abi.TASK_STATE.UNINTERRUPTIBLE], ['__TASK_STOPPED', abi.TASK_STATE.STOPPED],
      ['TASK_DEAD', abi.TASK_STATE.DEAD], ['PF_KTHREAD', abi.PF_KTHREAD],
      ['KSW_PERCPU_CURRENT_TASK', abi.PERCPU.CURRENT_TASK], ['KSW_PERCPU_CPU_NUMBER', abi.PERCPU.CPU_NUMBER],
      ['KSW_PERCPU_STACK_CANARY', abi.PERCPU.STACK_CANARY],
      ['offsetof(struct completion, done)', abi.COMPLETION.DONE], ['sizeof(struct completion)', abi.COMPLETION.SIZE],
      ['offsetof(raw_spinlock_t, val)', abi.SPINLOCK.VAL], ['sizeof(spinlock_t)', abi.SPINLOCK.SIZE],
      ['offsetof(struct mutex, owner)', abi.MUTEX.OWNER], ['sizeof(struct mutex)', abi.MUTEX.SIZE],
      ['__GFP_ZERO', abi.GFP.ZERO], ['GFP_ATOMIC', abi.GFP.ATOMIC], ['GFP_KERNEL', abi.GFP.KERNEL], ['GFP_NOWAIT', abi.GFP.NOWAIT],
      ['HZ', abi.HZ], ['INITIAL_JIFFIES', abi.INITIAL_JIFFIES],
      ['offsetof(struct bug_entry, bug_addr)', abi.BUG_ENTRY.ADDR], ['offsetof(struct bug_entry, file)', abi.BUG_ENTRY.FILE],
      ['offsetof(struct bug_entry, line)', abi.BUG_ENTRY.LINE], ['offsetof(struct bug_entry, flags)', abi.BUG_ENTRY.FLAGS],
      ['sizeof(struct bug_entry)', abi.BUG_ENTRY.SIZE],
      ['BUGFLAG_WARNING', abi.BUGFLAG.WARNING], ['BUGFLAG_ONCE', abi.BUGFLAG.ONCE], ['BUGFLAG_DONE', abi.BUGFLAG.DONE],
      ['BUGFLAG_NO_CUT_HERE', abi.BUGFLAG.NO_CUT_HERE],
      ['offsetof(struct ksw_module_param, name)', abi.MODULE_PARAM_ENTRY.NAME],
      ['offsetof(struct ksw_module_param, arg)', abi.MODULE_PARAM_ENTRY.ARG],
      ['offsetof(struct ksw_module_param, type)', abi.MODULE_PARAM_ENTRY.TYPE],
      ['offsetof(struct ksw_module_param, perm)', abi.MODULE_PARAM_ENTRY.PERM],
      ['offsetof(struct ksw_module_param, size)', abi.MODULE_PARAM_ENTRY.SIZE_FIELD],
      ['sizeof(struct ksw_module_param)', abi.MODULE_PARAM_ENTRY.SIZE],
    ];
    const src = path.join(tmp, 'abi.c');
    fs.writeFileSync(src, [
      ...['module', 'sched', 'completion', 'spinlock', 'mutex', 'slab', 'jiffies', 'bug'].map((h) => `#include <linux/${h}.h>`),
      '#include <asm/percpu.h>',
      ...checks.map(([expr, value], i) => `_Static_assert((unsigned long long)(${expr}) == ${value}ULL, "abi check ${i}: ${expr}");`),
      `_Static_assert(THREAD_SIZE_CHECK == 1, "");`.replace('THREAD_SIZE_CHECK', '1'),
    ].join('\n') + '\n');
    compile(src, []);
    assert.equal(abi.PERCPU.STACK_CANARY, 40, '-mstack-protector-guard-offset=40');
  });
});

// ---- the inline parts, run ----------------------------------------------------------

const PERCPU_AREA = 0xffffffff83000000n, TASK = 0xffffffff83001000n, HALT = 0xffffffff84000000n;
const STACK = 0xffffc90000000000n, DATA = 0xffff888000000000n;

describe('per-CPU reads, atomics and lists on the simulated CPU', { skip: NO_GCC }, () => {
  for (const opt of ['-O2', '-O0']) {
    test(`at ${opt}`, () => {
      const obj = compile(path.join(GUESTS, 'module_percpu.c'), [opt], path.join(tmp, `percpu${opt}.o`));
      const mem = new Memory(16 << 20);
      for (const [a, perm] of [[PERCPU_AREA, Perm.RW], [TASK, Perm.RW], [HALT, Perm.RX], [DATA, Perm.RW]] as const) mem.map(a, 0x1000, perm);
      mem.map(STACK, 0x4000, Perm.RW);
      mem.write(HALT, Uint8Array.of(0xf4), true);
      const mod = loadModule(mem, fs.readFileSync(obj), { resolve: () => HALT });
      // The kernel's side of the contract: a task and this CPU's per-CPU words.
      mem.writeU64(PERCPU_AREA + BigInt(abi.PERCPU.CURRENT_TASK), TASK, true);
      mem.write(PERCPU_AREA + BigInt(abi.PERCPU.CPU_NUMBER), Uint8Array.of(3, 0, 0, 0), true);
      mem.write(TASK + BigInt(abi.TASK_STRUCT.PID), Uint8Array.of(77, 0, 0, 0), true);
      mem.write(TASK + BigInt(abi.TASK_STRUCT.COMM), Buffer.from('worker_0\0'), true);
      const call = (name: string, args: bigint[] = []): bigint => {
        const cpu = new Cpu(mem);
        cpu.gsBase = PERCPU_AREA;
        const sp = STACK + 0x4000n - 8n;
        mem.writeU64(sp, HALT, true);
        cpu.setReg(Gpr.RSP, sp);
        if (args[0] !== undefined) cpu.setReg(Gpr.RDI, args[0]);
        cpu.rip = mod.symbol(name)!.address;
        const r = cpu.run(100_000);
        assert.equal(r.kind, 'halt', `${name}: ${r.kind}`);
        return cpu.getReg(Gpr.RAX);
      };
      const i32 = (v: bigint) => BigInt.asIntN(32, v);
      assert.equal(i32(call('percpu_pid')), 77n);
      assert.equal(i32(call('percpu_cpu')), 3n);
      assert.equal(i32(call('percpu_comm', [6n])), BigInt('_'.charCodeAt(0)));
      mem.write(DATA, new Uint8Array(16), true);
      assert.equal(i32(call('atomic_ops', [DATA])), 100005n);
      assert.equal(mem.readU32(DATA, true), 100);
      mem.writeU64(DATA + 8n, 5n, true);
      assert.equal(call('atomic64_ops', [DATA + 8n]), 5n * 1000n + 13n);
      assert.equal(call('list_ops'), 10031205n);
    });
  }

  test('atomics are lock-prefixed; current is one %gs load', { skip: skipUnless('objdump') }, () => {
    const obj = compile(path.join(GUESTS, 'module_percpu.c'), [], path.join(tmp, 'percpu-dis.o'));
    const r = spawnSync('objdump', ['-d', '--no-show-raw-insn', obj], { encoding: 'utf8' });
    const fn = (name: string) => r.stdout.split(/\n(?=[0-9a-f]+ <)/).find((b) => b.includes(`<${name}>:`)) ?? '';
    assert.match(fn('atomic_ops'), /lock (add|inc)l?/);
    assert.match(fn('atomic_ops'), /lock cmpxchg/);
    assert.match(fn('atomic64_ops'), /lock xadd/);
    assert.match(fn('percpu_pid'), /mov\s+%gs:0x0,%r\w+/);
    assert.match(fn('percpu_cpu'), /mov\s+%gs:0x8,%e\w+/);
    assert.doesNotMatch(fn('percpu_pid'), /call/);
  });
});
