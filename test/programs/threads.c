/* POSIX threads as real programs use them: workers sharing a counter under
   a mutex, a condition variable handing out work, a barrier, a read-write
   lock, semaphores, pthread_once, thread-specific data with destructors,
   __thread variables (each thread's own TLS block through its FS base),
   return values through pthread_join, a detached thread, pthread_exit from
   the main thread's helper, a pipe between two threads that fills up (so
   both the writer and the reader block), and timed waits that time out. Everything it
   prints is independent of how the threads interleave, so it matches the
   native run byte for byte whatever the scheduler (or ksw's seed) does. */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { WORKERS = 4, ITEMS = 64 };

static __thread int tls_counter = 100;
static __thread char tls_name[16] = "unnamed";

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_ready = PTHREAD_COND_INITIALIZER;
static long shared_total;
static int queue[ITEMS], queue_len, queue_closed;
static long results[WORKERS];
static pthread_barrier_t barrier;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static int table[8];
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_runs;
static pthread_key_t key;
static int destructor_sum;
static sem_t sem_done;

static void init_once(void) { once_runs++; }

static void destructor(void *p) {
  pthread_mutex_lock(&lock);
  destructor_sum += (int)(long)p;
  pthread_mutex_unlock(&lock);
}

static void *worker(void *arg) {
  int id = (int)(long)arg;
  pid_t tid = (pid_t)syscall(SYS_gettid);
  snprintf(tls_name, sizeof tls_name, "worker-%d", id);
  pthread_once(&once, init_once);
  pthread_setspecific(key, (void *)(long)(id + 1));

  long mine = 0;
  for (;;) {
    pthread_mutex_lock(&lock);
    while (queue_len == 0 && !queue_closed) pthread_cond_wait(&work_ready, &lock);
    if (queue_len == 0) { pthread_mutex_unlock(&lock); break; }
    int item = queue[--queue_len];
    shared_total += item;
    pthread_mutex_unlock(&lock);
    mine += (long)item * item;
    tls_counter++;
  }
  results[id] = mine;

  pthread_barrier_wait(&barrier);
  pthread_rwlock_wrlock(&rw);
  table[id] = id * 10;
  pthread_rwlock_unlock(&rw);
  pthread_barrier_wait(&barrier);
  pthread_rwlock_rdlock(&rw);
  int sum = 0;
  for (int i = 0; i < WORKERS; i++) sum += table[i];
  pthread_rwlock_unlock(&rw);

  sem_post(&sem_done);
  int own = tid != getpid() && strncmp(tls_name, "worker-", 7) == 0;
  return (void *)(long)(sum * 1000 + own);
}

static volatile int detached_ran;
static void *detached(void *arg) {
  (void)arg;
  detached_ran = 1;
  sem_post(&sem_done);
  return NULL;
}

static int pipe_fds[2];
static void *pipe_writer(void *arg) {
  (void)arg;
  static char chunk[4096];
  for (int i = 0; i < 64; i++) { /* 256 KiB: four times what the pipe holds */
    memset(chunk, 'a' + i % 26, sizeof chunk);
    for (size_t done = 0; done < sizeof chunk;) {
      ssize_t n = write(pipe_fds[1], chunk + done, sizeof chunk - done);
      if (n <= 0) return (void *)1;
      done += (size_t)n;
    }
  }
  close(pipe_fds[1]);
  return NULL;
}

static void *exits_early(void *arg) {
  pthread_exit((void *)((long)arg + 1));
  return NULL;
}

int main(void) {
  pthread_t t[WORKERS];
  pthread_key_create(&key, destructor);
  pthread_barrier_init(&barrier, NULL, WORKERS);
  sem_init(&sem_done, 0, 0);
  for (long i = 0; i < WORKERS; i++) {
    if (pthread_create(&t[i], NULL, worker, (void *)i) != 0) { puts("pthread_create failed"); return 1; }
  }
  for (int i = 1; i <= ITEMS; i++) {
    pthread_mutex_lock(&lock);
    queue[queue_len++] = i;
    pthread_cond_signal(&work_ready);
    pthread_mutex_unlock(&lock);
    if (i % 16 == 0) sched_yield();
  }
  pthread_mutex_lock(&lock);
  queue_closed = 1;
  pthread_cond_broadcast(&work_ready);
  pthread_mutex_unlock(&lock);

  long squares = 0;
  for (int i = 0; i < WORKERS; i++) {
    void *ret;
    int rc = pthread_join(t[i], &ret);
    printf("join %d: rc %d, returned %ld\n", i, rc, (long)ret);
    squares += results[i];
  }
  printf("total %ld (expected %d), squares %ld (expected %d)\n", shared_total, ITEMS * (ITEMS + 1) / 2, squares,
         ITEMS * (ITEMS + 1) * (2 * ITEMS + 1) / 6);
  printf("once ran %d time(s); destructors saw %d (expected %d)\n", once_runs, destructor_sum, WORKERS * (WORKERS + 1) / 2);
  printf("main's TLS untouched: %d %s\n", tls_counter, tls_name);

  pthread_t d;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_create(&d, &attr, detached, NULL);
  for (int i = 0; i < WORKERS + 1; i++) sem_wait(&sem_done);
  printf("detached thread ran: %d\n", detached_ran);

  pthread_t e;
  void *ret;
  pthread_create(&e, NULL, exits_early, (void *)41);
  pthread_join(e, &ret);
  printf("pthread_exit value %ld\n", (long)ret);

  pipe(pipe_fds);
  pthread_t w;
  pthread_create(&w, NULL, pipe_writer, NULL);
  char buf[1000];
  long got = 0, sum = 0;
  for (ssize_t n; (n = read(pipe_fds[0], buf, sizeof buf)) > 0;) {
    for (ssize_t i = 0; i < n; i++) sum += buf[i];
    got += n;
  }
  pthread_join(w, &ret);
  printf("pipe between threads: %ld bytes, checksum %ld, writer returned %ld\n", got, sum, (long)ret);

  /* timed waits that must time out: a condition nobody signals, a held mutex, an empty semaphore */
  struct timespec dl;
  clock_gettime(CLOCK_REALTIME, &dl);
  dl.tv_nsec += 20 * 1000 * 1000;
  if (dl.tv_nsec >= 1000000000) { dl.tv_sec++; dl.tv_nsec -= 1000000000; }
  pthread_mutex_lock(&lock);
  int rc = pthread_cond_timedwait(&work_ready, &lock, &dl);
  pthread_mutex_unlock(&lock);
  printf("cond_timedwait: %s\n", rc == ETIMEDOUT ? "ETIMEDOUT" : strerror(rc));
  rc = sem_timedwait(&sem_done, &dl);
  printf("sem_timedwait: %s\n", rc == -1 && errno == ETIMEDOUT ? "ETIMEDOUT" : "other");
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  struct timespec nap = {0, 30 * 1000 * 1000};
  nanosleep(&nap, NULL);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long slept_ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
  printf("nanosleep 30 ms: at least 30 ms passed: %d\n", slept_ms >= 30);

  pthread_barrier_destroy(&barrier);
  pthread_key_delete(key);
  return 0;
}
