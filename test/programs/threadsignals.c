/* Signals and threads: a signal sent to one thread (pthread_kill, tgkill,
   raise) is handled by that thread; a signal sent to the process is handled
   by a thread that does not block it; each thread has its own mask
   (pthread_sigmask), and a signal sent to a thread that blocks it stays
   pending for that thread alone until it unblocks it; sigwait in one thread
   takes a signal sent to it. The output does not depend on the
   interleaving (test/unit/smp.test.ts also runs it on 4 CPUs). */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { WORKERS = 3 };

static pthread_t workers[WORKERS];
static volatile pid_t handled_by[65];
static volatile int handled_count[65];
static pid_t tids[WORKERS];
static pthread_barrier_t go;
static volatile int stop;

static pid_t gettid_(void) { return (pid_t)syscall(SYS_gettid); }

static void on_signal(int sig) {
  handled_by[sig] = gettid_();
  __atomic_fetch_add(&handled_count[sig], 1, __ATOMIC_SEQ_CST);
}

static int who(pid_t tid) {
  if (tid == getpid()) return -1; /* main */
  for (int i = 0; i < WORKERS; i++) if (tids[i] == tid) return i;
  return -2;
}

static void *worker(void *arg) {
  int id = (int)(long)arg;
  tids[id] = gettid_();
  /* worker 0 blocks SIGUSR1 and SIGUSR2; worker 1 blocks SIGUSR2 only; worker 2 blocks nothing */
  sigset_t set;
  sigemptyset(&set);
  if (id <= 1) sigaddset(&set, SIGUSR2);
  if (id == 0) sigaddset(&set, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &set, 0);
  pthread_barrier_wait(&go);
  pthread_barrier_wait(&go); /* main sends thread-directed signals in between */
  if (id == 0) {
    sigset_t pending;
    sigpending(&pending);
    printf("worker 0 sees SIGUSR1 pending: %d, SIGUSR2 pending: %d\n", sigismember(&pending, SIGUSR1), sigismember(&pending, SIGUSR2));
    fflush(stdout);
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, SIGUSR1);
    pthread_sigmask(SIG_UNBLOCK, &one, 0); /* delivered now, to this thread */
    printf("after unblocking, SIGUSR1 handled by worker %d\n", who(handled_by[SIGUSR1]));
    fflush(stdout);
  }
  pthread_barrier_wait(&go);
  if (id == 1) {
    /* sigwait takes the SIGUSR2 main sends to this thread */
    sigset_t w;
    sigemptyset(&w);
    sigaddset(&w, SIGUSR2);
    int sig = 0;
    pthread_barrier_wait(&go);
    sigwait(&w, &sig);
    printf("worker 1 sigwait got %s\n", sig == SIGUSR2 ? "SIGUSR2" : "something else");
    fflush(stdout);
  } else {
    pthread_barrier_wait(&go);
  }
  while (!stop) sched_yield();
  return 0;
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGUSR1, &sa, 0);
  sigaction(SIGUSR2, &sa, 0);
  sigaction(SIGWINCH, &sa, 0);
  pthread_barrier_init(&go, 0, WORKERS + 1);
  for (long i = 0; i < WORKERS; i++) pthread_create(&workers[i], 0, worker, (void *)i);
  /* then main blocks what it sends to the process, so a worker must take it (a new thread would inherit the mask) */
  sigset_t mine;
  sigemptyset(&mine);
  sigaddset(&mine, SIGUSR2);
  sigaddset(&mine, SIGWINCH);
  pthread_sigmask(SIG_BLOCK, &mine, 0);
  pthread_barrier_wait(&go);

  /* thread-directed: each lands on its target */
  pthread_kill(workers[2], SIGUSR2);
  while (!handled_count[SIGUSR2]) sched_yield();
  printf("pthread_kill(worker 2, SIGUSR2) handled by worker %d\n", who(handled_by[SIGUSR2]));
  syscall(SYS_tgkill, getpid(), tids[1], SIGUSR1);
  while (!handled_count[SIGUSR1]) sched_yield();
  printf("tgkill(worker 1, SIGUSR1) handled by worker %d\n", who(handled_by[SIGUSR1]));
  raise(SIGUSR1); /* main does not block SIGUSR1: raise is for the calling thread */
  printf("raise(SIGUSR1) in main handled by %s\n", who(handled_by[SIGUSR1]) == -1 ? "main" : "another thread");
  /* to worker 0, which blocks it: stays pending there */
  handled_by[SIGUSR1] = 0;
  pthread_kill(workers[0], SIGUSR1);
  printf("SIGUSR1 to worker 0 (blocked there) handled yet: %d\n", handled_by[SIGUSR1] != 0);
  sigset_t pending;
  sigpending(&pending);
  printf("main sees it pending: %d\n", sigismember(&pending, SIGUSR1));
  fflush(stdout);
  pthread_barrier_wait(&go);
  pthread_barrier_wait(&go); /* worker 0 has handled it */

  /* process-directed: main blocks it, any worker may take it */
  handled_by[SIGWINCH] = 0;
  kill(getpid(), SIGWINCH);
  while (!handled_count[SIGWINCH]) sched_yield();
  printf("kill(getpid(), SIGWINCH) handled by a thread that does not block it: %s\n",
         who(handled_by[SIGWINCH]) >= 0 ? "yes" : "no");

  pthread_barrier_wait(&go);
  pthread_kill(workers[1], SIGUSR2);
  stop = 1;
  for (int i = 0; i < WORKERS; i++) pthread_join(workers[i], 0);
  printf("handled: SIGUSR1 %d, SIGUSR2 %d, SIGWINCH %d\n", handled_count[SIGUSR1], handled_count[SIGUSR2], handled_count[SIGWINCH]);
  return 0;
}
