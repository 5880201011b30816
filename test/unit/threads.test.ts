// Guest threads under `ksw exec`, end to end through the built bin: glibc's
// pthreads (test/programs runs the same program with musl) match the native
// run; the interleaving is a function of the seed (same seed, same run;
// other seeds, other interleavings); exit vs exit_group; a deadlock ends
// with one line; fork stays unsupported with a clear warning; an unhandled
// alarm kills. (test/programs/timers.c proves the timers and signal waits.)

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { nativeWorkspace } from './nativeRuns';
import { skipUnless } from '../tools';
import { NO_GLIBC_STATIC, glibcStatic, ksw, native } from './threadRuns';

const ROOT = resolve(__dirname, '../../..');
const { build } = nativeWorkspace('ksw-threads-', after);

const SKIP_MUSL = skipUnless('musl-gcc');

describe('guest threads', () => {
  test('glibc static pthreads: test/programs/threads.c matches the native run under three seeds', { skip: glibcStatic ? false : NO_GLIBC_STATIC }, () => {
    const src = readFileSync(join(ROOT, 'test/programs/threads.c'), 'utf8');
    const bin = build('gcc', src, 'threads-glibc', ['-static', '-O2', '-pthread']);
    const want = native(bin);
    assert.equal(want.status, 0);
    for (const seed of ['0', '7', '12345']) {
      const got = ksw(['--seed', seed, bin]);
      assert.equal(got.stderr, '', `seed ${seed}`);
      assert.equal(got.stdout, want.stdout, `seed ${seed}`);
      assert.equal(got.status, 0);
    }
  });

  // Each thread appends its number to a shared log (the slot taken atomically)
  // between stretches of work: the log shows where the scheduler switched.
  const racy = `#include <pthread.h>
#include <stdio.h>
static char log_[4096];
static int at;
static void *run(void *arg) {
  for (int i = 0; i < 300; i++) {
    for (volatile int k = 0; k < 400; k++) {}
    log_[__atomic_fetch_add(&at, 1, __ATOMIC_SEQ_CST)] = '0' + (int)(long)arg;
  }
  return 0;
}
int main(void) {
  pthread_t t[3];
  for (long i = 0; i < 3; i++) pthread_create(&t[i], 0, run, (void *)i);
  for (int i = 0; i < 3; i++) pthread_join(t[i], 0);
  printf("%d %s\\n", at, log_);
  return 0;
}
`;

  test('the interleaving is a function of the seed: same seed, same run; other seeds, other interleavings', { skip: SKIP_MUSL }, () => {
    const bin = build('musl-gcc', racy, 'racy', ['-static', '-O1']);
    const runs = ['1', '2', '3', '1'].map((seed) => ksw(['--seed', seed, bin, '--stats']));
    for (const r of runs) {
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^900 [012]{900}\n$/);
    }
    assert.equal(runs[3].stdout, runs[0].stdout, 'seed 1 twice: the same interleaving');
    assert.equal(runs[3].stderr.replace(/seconds=.*/, ''), runs[0].stderr.replace(/seconds=.*/, ''), 'and the same instruction count');
    assert.equal(new Set(runs.slice(0, 3).map((r) => r.stdout)).size, 3, 'three seeds, three interleavings');
    // the threads really take turns: each log switches thread many times
    const switches = (s: string) => [...s.split(' ')[1].trim()].filter((c, i, a) => i > 0 && c !== a[i - 1]).length;
    for (const r of runs) assert.ok(switches(r.stdout) >= 6, r.stdout);
  });

  test('exit ends one thread, exit_group the process: a thread\'s exit(3) ends main\'s join with status 3', { skip: SKIP_MUSL }, () => {
    const bin = build('musl-gcc', `#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
static void *quit(void *a) { (void)a; puts("thread calls exit(3)"); fflush(stdout); exit(3); }
static void *last(void *a) { (void)a; usleep(1000); puts("the last thread still runs after main's pthread_exit"); return 0; }
int main(int argc, char **argv) {
  pthread_t t;
  (void)argv;
  if (argc > 1) { pthread_create(&t, 0, last, 0); pthread_exit(0); }
  pthread_create(&t, 0, quit, 0);
  pthread_join(t, 0);
  puts("not reached");
  return 0;
}
`, 'exits', ['-static', '-O1']);
    let r = ksw([bin]);
    assert.equal(r.status, 3, r.stderr);
    assert.equal(r.stdout, 'thread calls exit(3)\n');
    r = ksw([bin, 'main-exits-first']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'the last thread still runs after main\'s pthread_exit\n');
  });

  test('when every thread is blocked for good: one deadlock line naming the waits, status 137', { skip: SKIP_MUSL }, () => {
    const bin = build('musl-gcc', `#include <pthread.h>
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static void *wait_forever(void *a) { (void)a; pthread_mutex_lock(&m); for (;;) pthread_cond_wait(&c, &m); }
int main(void) { pthread_t t; pthread_create(&t, 0, wait_forever, 0); pthread_join(t, 0); return 0; }
`, 'deadlock', ['-static', '-O1']);
    const r = ksw([bin]);
    assert.equal(r.status, 137);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^ksw: deadlock: every thread is blocked \(thread 1000 in futex wait on 0x[0-9a-f]+, thread 1001 in futex wait on 0x[0-9a-f]+\)/);
  });

  test('fork stays unsupported: -1/ENOSYS and one clear warning', { skip: SKIP_MUSL }, () => {
    const bin = build('musl-gcc', `#include <errno.h>
#include <stdio.h>
#include <unistd.h>
int main(void) { pid_t p = fork(); printf("%d %d\\n", (int)p, errno == ENOSYS); return 0; }
`, 'fork', ['-static', '-O1']);
    const r = ksw([bin]);
    assert.equal(r.status, 0);
    assert.equal(r.stdout, '-1 1\n');
    assert.match(r.stderr, /^ksw: warning: (fork|fork \(clone without CLONE_THREAD\)) is not supported \(ksw runs one process; threads are supported\); returns -ENOSYS\n$/);
  });

  test('an alarm nobody handles kills the program: SIGALRM, status 142, one line', { skip: SKIP_MUSL }, () => {
    const bin = build('musl-gcc', `#include <unistd.h>
int main(void) { alarm(2); for (;;) pause(); }
`, 'alarm', ['-static', '-O1']);
    const r = ksw([bin, '--stats']);
    assert.equal(r.status, 142);
    const lines = r.stderr.trim().split('\n');
    assert.match(lines[0], /^ksw: guest killed by signal 14 \(SIGALRM\) at rip 0x[0-9a-f]+/);
    assert.equal(lines.length, 2, r.stderr);
    // two simulated seconds passed with the CPU idle: only a few thousand instructions ran
    const insns = Number(/insns=(\d+)/.exec(lines[1])?.[1]);
    assert.ok(insns > 0 && insns < 100_000, lines[1]);
  });

  test('--seed must be an integer: exit 2 with one reason and the usage line', () => {
    const r = ksw(['--seed', '-1', '/bin/true']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^ksw exec: --seed needs an integer from 0 to 4294967295 \(got '-1'\)\nusage: ksw exec/);
  });
});
