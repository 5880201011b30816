// Guest threads on several simulated CPUs (`ksw exec --cpus N`), end to end
// through the built bin: test/programs/smp.c (atomics, a spinlock, a mutex,
// a condition variable, a barrier) matches the native run byte for byte on
// 4 CPUs under several seeds, with musl and glibc; the interleaving is a
// function of the seed and is fine-grained (threads really run side by
// side); the program sees the CPUs it was given (sysconf, get_nprocs,
// sched_getaffinity, getcpu, sched_setaffinity); signals sent to one thread
// reach that thread (test/programs/threadsignals.c); bad options exit 2.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { nativeWorkspace } from './nativeRuns';
import { skipUnless } from '../tools';
import { NO_GLIBC_STATIC, glibcStatic, ksw, native } from './threadRuns';
import { FINE_POLICY } from '../../simulator/kernel/schedPolicy';
import { SMP_QUANTA } from '../../simulator/user/quanta';

const ROOT = resolve(__dirname, '../../..');
const { build } = nativeWorkspace('ksw-smp-', after);

const SKIP_MUSL = skipUnless('musl-gcc');

// Once all have started, each thread takes log slots with lock xadd and
// writes its number, with no other work: on one CPU a thread fills long runs
// in its time slice; on four the threads run side by side and the log
// interleaves finely.
const RACY = `#include <pthread.h>
#include <stdio.h>
static char log_[8100];
static int at, started;
static void *run(void *arg) {
  __atomic_fetch_add(&started, 1, __ATOMIC_SEQ_CST);
  while (__atomic_load_n(&started, __ATOMIC_SEQ_CST) < 4) {}
  for (int i = 0; i < 2000; i++) log_[__atomic_fetch_add(&at, 1, __ATOMIC_SEQ_CST)] = '0' + (int)(long)arg;
  return 0;
}
int main(void) {
  pthread_t t[4];
  for (long i = 0; i < 4; i++) pthread_create(&t[i], 0, run, (void *)i);
  for (int i = 0; i < 4; i++) pthread_join(t[i], 0);
  printf("%d %s\\n", at, log_);
  return 0;
}
`;

const IDENTITY = `#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <sys/sysinfo.h>
#include <unistd.h>
static int started, cpu_of[4];
static void *spin(void *arg) {
  __atomic_fetch_add(&started, 1, __ATOMIC_SEQ_CST);
  while (__atomic_load_n(&started, __ATOMIC_SEQ_CST) < 4) {}
  cpu_of[(long)arg] = sched_getcpu();
  return 0;
}
int main(void) {
  cpu_set_t s;
  sched_getaffinity(0, sizeof s, &s);
  printf("online=%ld configured=%ld get_nprocs=%d affinity=%d\\n", sysconf(_SC_NPROCESSORS_ONLN), sysconf(_SC_NPROCESSORS_CONF), get_nprocs(), CPU_COUNT(&s));
  pthread_t t[4];
  for (long i = 0; i < 4; i++) pthread_create(&t[i], 0, spin, (void *)i);
  for (int i = 0; i < 4; i++) pthread_join(t[i], 0);
  int distinct = 0, in_range = 1;
  for (int i = 0; i < 4; i++) {
    int seen = 0;
    for (int j = 0; j < i; j++) seen |= cpu_of[j] == cpu_of[i];
    distinct += !seen;
    in_range &= cpu_of[i] >= 0 && cpu_of[i] < CPU_COUNT(&s);
  }
  printf("spinning threads on %d CPUs, all in range: %d\\n", distinct, in_range);
  int last = CPU_COUNT(&s) - 1;
  CPU_ZERO(&s); CPU_SET(last, &s);
  int r = sched_setaffinity(0, sizeof s, &s);
  printf("pinned to CPU %d: %d, now on CPU %d\\n", last, r, sched_getcpu());
  CPU_ZERO(&s); CPU_SET(100, &s);
  r = sched_setaffinity(0, sizeof s, &s);
  printf("a mask of no existing CPU: %d %s\\n", r, r && errno == EINVAL ? "EINVAL" : "?");
  return 0;
}
`;

function switches(log: string): number {
  return [...log].filter((c, i, a) => i > 0 && c !== a[i - 1]).length;
}

describe('guest threads on several simulated CPUs', () => {
  const MUSL = ['musl-gcc', ['-static', '-O2']] as const;
  const GLIBC = ['gcc', ['-static', '-O2', '-pthread']] as const;
  const skipFor = (cc: string): string | false => (cc === 'gcc' ? (glibcStatic ? false : NO_GLIBC_STATIC) : SKIP_MUSL);

  /** Build test/programs/NAME.c with `cc`; its stdout and status under `ksw exec` with each of `runs` must be the native run's, and stderr empty. */
  function matchesNative(name: string, [cc, flags]: typeof MUSL | typeof GLIBC, runs: string[][]): void {
    const bin = build(cc, readFileSync(join(ROOT, `test/programs/${name}.c`), 'utf8'), `${name}-${cc}`, [...flags]);
    const want = native(bin);
    assert.equal(want.status, 0);
    for (const args of runs) {
      const got = ksw([...args, bin]);
      assert.equal(got.stderr, '', args.join(' '));
      assert.equal(got.stdout, want.stdout, args.join(' '));
      assert.equal(got.status, 0, args.join(' '));
    }
  }

  test('test/programs/smp.c on 4 CPUs matches the native run under three seeds (musl)', { skip: SKIP_MUSL }, () => {
    matchesNative('smp', MUSL, [['--cpus', '4', '--seed', '1'], ['--cpus', '4', '--seed', '2'], ['--cpus', '4', '--seed', '99']]);
  });

  test('test/programs/smp.c on 3 CPUs matches the native run (glibc static pthreads)', { skip: skipFor('gcc') }, () => {
    matchesNative('smp', GLIBC, [['--cpus', '3', '--seed', '5']]);
  });

  for (const compiler of [MUSL, GLIBC]) {
    test(`signals to one thread land on it, per-thread masks and pending sets (test/programs/threadsignals.c, ${compiler[0]}, 4 CPUs)`, {
      skip: skipFor(compiler[0]),
    }, () => {
      matchesNative('threadsignals', compiler, [['--cpus', '4', '--seed', '1'], ['--cpus', '4', '--seed', '2']]);
    });
  }

  test('POSIX timers, CPU-time timers and SIGEV_THREAD on 4 CPUs match the native run (test/programs/posixtimers.c, glibc)', { skip: skipFor('gcc') }, () => {
    matchesNative('posixtimers', GLIBC, [['--cpus', '4', '--seed', '3']]);
  });

  test('on 4 CPUs the interleaving is a function of the seed, and fine-grained', { skip: SKIP_MUSL }, () => {
    const bin = build('musl-gcc', RACY, 'racy', ['-static', '-O2']);
    const runs = ['1', '2', '3', '1'].map((seed) => ksw(['--cpus', '4', '--seed', seed, bin, '--stats']));
    for (const r of runs) {
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^8000 [0-3]{8000}\n$/);
    }
    assert.equal(runs[3].stdout, runs[0].stdout, 'seed 1 twice: the same interleaving');
    assert.equal(runs[3].stderr.replace(/seconds=.*/, ''), runs[0].stderr.replace(/seconds=.*/, ''), 'and the same instruction count');
    assert.equal(new Set(runs.slice(0, 3).map((r) => r.stdout)).size, 3, 'three seeds, three interleavings');
    // On one CPU a thread's time slice outlasts its whole loop; on four they run side by side.
    const one = ksw(['--seed', '1', bin]);
    assert.equal(one.status, 0, one.stderr);
    const oneSwitches = switches(one.stdout.split(' ')[1].trim());
    for (const r of runs.slice(0, 3)) {
      const n = switches(r.stdout.split(' ')[1].trim());
      assert.ok(n >= 100 && n > 10 * Math.max(1, oneSwitches), `${n} switches on 4 CPUs vs ${oneSwitches} on one:\n${r.stdout}`);
    }
  });

  for (const [cc, flags] of [MUSL, GLIBC]) {
    test(`the program sees the CPUs it was given (${cc}): sysconf, get_nprocs, affinity, getcpu, sched_setaffinity`, { skip: skipFor(cc) }, () => {
      const bin = build(cc, IDENTITY, `identity-${cc}`, [...flags]);
      const four = ksw(['--cpus', '4', bin]);
      assert.equal(four.stderr, '');
      assert.equal(four.stdout, [
        'online=4 configured=4 get_nprocs=4 affinity=4',
        'spinning threads on 4 CPUs, all in range: 1',
        'pinned to CPU 3: 0, now on CPU 3',
        'a mask of no existing CPU: -1 EINVAL', ''].join('\n'));
      const one = ksw([bin]);
      assert.equal(one.stdout.split('\n')[0], 'online=1 configured=1 get_nprocs=1 affinity=1', 'one CPU by default');
    });
  }

  test('--cpus and --sched take what ksw run takes; anything else is exit 2 with one reason', () => {
    for (const [args, reason] of [
      [['--cpus', '0', '/bin/true'], /^ksw exec: --cpus needs an integer from 1 to 64 \(got '0'\)\nusage: ksw exec/],
      [['--cpus=65', '/bin/true'], /^ksw exec: --cpus needs an integer from 1 to 64 \(got '65'\)\n/],
      [['--cpus'], /^ksw exec: --cpus needs an integer from 1 to 64 \(got ''\)\n/],
      [['--sched', 'fast', '/bin/true'], /^ksw exec: --sched: unknown 'fast' \(expected coarse \| fine \| KEY=VALUE/],
    ] as const) {
      const r = ksw([...args]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, reason);
    }
  });

  test('the default interleaving on several CPUs is the kernel\'s `fine` policy', () => {
    assert.deepEqual(SMP_QUANTA, FINE_POLICY);
  });
});
