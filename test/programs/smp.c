/* Threads that really share memory at the same time (ksw exec --cpus N runs
   them on N simulated CPUs; test/unit/smp.test.ts): counters bumped with
   lock-prefixed adds, a cmpxchg loop and an xchg spinlock, a counter under a
   mutex, a condition variable handing work from a producer to consumers, a
   barrier between phases, and sched_yield. Every line it prints is
   independent of the interleaving, so it matches the native run byte for
   byte whatever the CPUs and the seed. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

enum { THREADS = 4, ROUNDS = 2000, ITEMS = 200 };

static long atomic_adds;             /* lock xadd */
static long cas_sum;                 /* lock cmpxchg loop */
static volatile int spin;            /* xchg spinlock */
static long spin_protected;
static long mutex_protected;
static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;

static pthread_mutex_t qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t qcond = PTHREAD_COND_INITIALIZER;
static int queue[ITEMS], qhead, qtail, qdone;
static long consumed_sum[THREADS];

static pthread_barrier_t barrier;
static int phase_seen[3][THREADS];
static int phase_count[3];

static void spin_lock(void) {
  while (__atomic_exchange_n(&spin, 1, __ATOMIC_ACQUIRE)) while (spin) sched_yield();
}
static void spin_unlock(void) { __atomic_store_n(&spin, 0, __ATOMIC_RELEASE); }

static void *worker(void *arg) {
  int id = (int)(long)arg;
  for (int i = 0; i < ROUNDS; i++) {
    __atomic_fetch_add(&atomic_adds, 1, __ATOMIC_SEQ_CST);
    long old = __atomic_load_n(&cas_sum, __ATOMIC_RELAXED);
    while (!__atomic_compare_exchange_n(&cas_sum, &old, old + id + 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {}
    spin_lock();
    long v = spin_protected; /* a plain read-modify-write: only the lock keeps it exact */
    spin_protected = v + 1;
    spin_unlock();
    pthread_mutex_lock(&mutex);
    mutex_protected += 2;
    pthread_mutex_unlock(&mutex);
  }
  /* consumers: take items until the producer closes the queue */
  for (;;) {
    pthread_mutex_lock(&qlock);
    while (qhead == qtail && !qdone) pthread_cond_wait(&qcond, &qlock);
    if (qhead == qtail) { pthread_mutex_unlock(&qlock); break; }
    int item = queue[qhead++];
    pthread_mutex_unlock(&qlock);
    consumed_sum[id] += item;
  }
  /* phases: nobody starts phase p+1 before everyone finished phase p */
  for (int p = 0; p < 3; p++) {
    __atomic_fetch_add(&phase_count[p], 1, __ATOMIC_SEQ_CST);
    pthread_barrier_wait(&barrier);
    for (int q = 0; q < THREADS; q++) phase_seen[p][id] += __atomic_load_n(&phase_count[p], __ATOMIC_SEQ_CST) == THREADS;
    pthread_barrier_wait(&barrier);
  }
  return (void *)(long)(id * 10);
}

int main(void) {
  pthread_t t[THREADS];
  pthread_barrier_init(&barrier, 0, THREADS);
  for (long i = 0; i < THREADS; i++) pthread_create(&t[i], 0, worker, (void *)i);
  for (int i = 1; i <= ITEMS; i++) {
    pthread_mutex_lock(&qlock);
    queue[qtail++] = i;
    pthread_cond_signal(&qcond);
    pthread_mutex_unlock(&qlock);
    if (i % 16 == 0) sched_yield();
  }
  pthread_mutex_lock(&qlock);
  qdone = 1;
  pthread_cond_broadcast(&qcond);
  pthread_mutex_unlock(&qlock);
  long joined = 0, consumed = 0;
  for (int i = 0; i < THREADS; i++) {
    void *ret;
    pthread_join(t[i], &ret);
    joined += (long)ret;
    consumed += consumed_sum[i];
  }
  int phases_ok = 1;
  for (int p = 0; p < 3; p++) for (int i = 0; i < THREADS; i++) phases_ok &= phase_seen[p][i] == THREADS;
  printf("lock xadd: %ld\n", atomic_adds);
  printf("cmpxchg loop: %ld\n", cas_sum);
  printf("xchg spinlock: %ld\n", spin_protected);
  printf("mutex: %ld\n", mutex_protected);
  printf("condvar queue: %ld of %d\n", consumed, ITEMS * (ITEMS + 1) / 2);
  printf("barrier phases: %s\n", phases_ok ? "in step" : "BROKEN");
  printf("joined: %ld\n", joined);
  return 0;
}
