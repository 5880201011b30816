/* POSIX timers and the CPU-time timers, as programs use them:
   timer_create on CLOCK_MONOTONIC, CLOCK_REALTIME (an absolute expiry) and
   the process's CPU-time clock, notifying by a signal with its sigev_value
   (SI_TIMER in siginfo), by SIGEV_THREAD (libc's helper thread, over
   SIGEV_THREAD_ID) and not at all (SIGEV_NONE, polled with timer_gettime);
   periodic expiries taken with sigwaitinfo; overruns while the signal is
   blocked; timer_delete; ITIMER_VIRTUAL and ITIMER_PROF, which count CPU
   time only (a sleep does not advance them); CLOCK_THREAD_CPUTIME_ID per
   thread. Everything printed is independent of host speed. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got, got_code_ok, got_value, vtalrms, profs;
static sem_t thread_fired;
static volatile int thread_value;

static void on_timer(int sig, siginfo_t *si, void *uc) {
  (void)sig; (void)uc;
  got++;
  got_code_ok = si->si_code == SI_TIMER;
  got_value = si->si_value.sival_int;
}
static void on_vtalrm(int sig) { (void)sig; vtalrms++; }
static void on_prof(int sig) { (void)sig; profs++; }
static void on_thread_timer(union sigval v) { thread_value = v.sival_int; sem_post(&thread_fired); }

static long long ns_of(clockid_t c) {
  struct timespec ts;
  clock_gettime(c, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
static volatile unsigned long sink;
static void burn(long n) { for (long i = 0; i < n; i++) sink += i ^ (sink >> 3); }

static void *busy_thread(void *arg) {
  (void)arg;
  long long t0 = ns_of(CLOCK_THREAD_CPUTIME_ID);
  burn(3000000);
  long long t1 = ns_of(CLOCK_THREAD_CPUTIME_ID);
  return (void *)(long)(t1 > t0);
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_timer;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &sa, 0);

  /* one-shot on CLOCK_MONOTONIC, 10 ms, with a value */
  timer_t t;
  struct sigevent ev;
  memset(&ev, 0, sizeof ev);
  ev.sigev_notify = SIGEV_SIGNAL;
  ev.sigev_signo = SIGUSR1;
  ev.sigev_value.sival_int = 42;
  printf("timer_create: %d\n", timer_create(CLOCK_MONOTONIC, &ev, &t));
  struct itimerspec its = {{0, 0}, {0, 10000000}}, cur;
  long long start = ns_of(CLOCK_MONOTONIC);
  timer_settime(t, 0, &its, 0);
  timer_gettime(t, &cur);
  printf("armed, left <= 10 ms: %d, one-shot: %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 10000000, cur.it_interval.tv_nsec == 0);
  while (!got) pause();
  printf("fired after >= 10 ms: %d, si_code SI_TIMER: %d, sigev_value %d\n", ns_of(CLOCK_MONOTONIC) - start >= 10000000, (int)got_code_ok, (int)got_value);
  timer_gettime(t, &cur);
  printf("disarmed after firing: %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);

  /* periodic, 5 ms, taken with sigwaitinfo while blocked */
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  sigprocmask(SIG_BLOCK, &usr1, 0);
  struct itimerspec periodic = {{0, 5000000}, {0, 5000000}};
  timer_settime(t, 0, &periodic, 0);
  int taken = 0, values_ok = 1;
  for (int i = 0; i < 4; i++) {
    siginfo_t si;
    if (sigwaitinfo(&usr1, &si) == SIGUSR1) { taken++; values_ok &= si.si_code == SI_TIMER && si.si_value.sival_int == 42; }
  }
  printf("periodic: %d expiries taken by sigwaitinfo, values ok: %d\n", taken, values_ok);
  /* blocked and not taken for 30 ms: the expiries pile up as overruns of one pending signal */
  struct timespec nap = {0, 30000000};
  nanosleep(&nap, 0);
  siginfo_t si;
  sigwaitinfo(&usr1, &si);
  printf("after 30 ms blocked: one signal, si_overrun > 0: %d, timer_getoverrun > 0: %d\n", si.si_overrun > 0, timer_getoverrun(t) > 0);
  int deleted = timer_delete(t);
  int again = timer_settime(t, 0, &its, 0);
  printf("timer_delete: %d, then timer_settime: %d %s\n", deleted, again, again && errno == EINVAL ? "EINVAL" : "?");
  sigprocmask(SIG_UNBLOCK, &usr1, 0);

  /* an absolute CLOCK_REALTIME expiry */
  got = 0;
  timer_create(CLOCK_REALTIME, &ev, &t);
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  long long target = now.tv_sec * 1000000000LL + now.tv_nsec + 20000000;
  struct itimerspec abs_ = {{0, 0}, {target / 1000000000LL, target % 1000000000LL}};
  timer_settime(t, TIMER_ABSTIME, &abs_, 0);
  while (!got) pause();
  printf("absolute CLOCK_REALTIME expiry: fired at or after the target: %d\n", ns_of(CLOCK_REALTIME) >= target);
  timer_delete(t);

  /* SIGEV_NONE: nothing is sent, timer_gettime shows it run down */
  memset(&ev, 0, sizeof ev);
  ev.sigev_notify = SIGEV_NONE;
  timer_create(CLOCK_MONOTONIC, &ev, &t);
  struct itimerspec five = {{0, 0}, {0, 5000000}};
  timer_settime(t, 0, &five, 0);
  nap.tv_nsec = 10000000;
  nanosleep(&nap, 0);
  timer_gettime(t, &cur);
  printf("SIGEV_NONE: expired silently: %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
  timer_delete(t);

  /* SIGEV_THREAD: libc runs the function in a thread of its own */
  sem_init(&thread_fired, 0, 0);
  memset(&ev, 0, sizeof ev);
  ev.sigev_notify = SIGEV_THREAD;
  ev.sigev_notify_function = on_thread_timer;
  ev.sigev_value.sival_int = 7;
  printf("SIGEV_THREAD timer_create: %d\n", timer_create(CLOCK_MONOTONIC, &ev, &t));
  timer_settime(t, 0, &five, 0);
  sem_wait(&thread_fired);
  printf("SIGEV_THREAD function ran with value %d\n", thread_value);
  timer_delete(t);

  /* CPU-time timers: a CPU-clock POSIX timer, ITIMER_VIRTUAL and ITIMER_PROF */
  got = 0;
  memset(&ev, 0, sizeof ev);
  ev.sigev_notify = SIGEV_SIGNAL;
  ev.sigev_signo = SIGUSR1;
  ev.sigev_value.sival_int = 9;
  timer_create(CLOCK_PROCESS_CPUTIME_ID, &ev, &t);
  struct itimerspec two = {{0, 0}, {0, 2000000}};
  timer_settime(t, 0, &two, 0);
  while (!got) burn(1000);
  printf("CLOCK_PROCESS_CPUTIME_ID timer fired while busy, value %d\n", (int)got_value);
  timer_delete(t);
  signal(SIGVTALRM, on_vtalrm);
  signal(SIGPROF, on_prof);
  struct itimerval v = {{0, 1000}, {0, 1000}};
  setitimer(ITIMER_VIRTUAL, &v, 0);
  nap.tv_nsec = 50000000;
  nanosleep(&nap, 0);
  printf("ITIMER_VIRTUAL during a 50 ms sleep: %d signals\n", (int)vtalrms);
  while (vtalrms < 3) burn(1000);
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_VIRTUAL, &off, 0);
  printf("ITIMER_VIRTUAL while busy: at least 3 signals\n");
  struct itimerval p = {{0, 0}, {0, 2000}};
  setitimer(ITIMER_PROF, &p, 0);
  while (!profs) burn(1000);
  struct itimerval pv;
  getitimer(ITIMER_PROF, &pv);
  printf("ITIMER_PROF: %d signal, disarmed: %d\n", (int)profs, pv.it_value.tv_sec == 0 && pv.it_value.tv_usec == 0);

  /* per-thread CPU time */
  long long main0 = ns_of(CLOCK_THREAD_CPUTIME_ID), proc0 = ns_of(CLOCK_PROCESS_CPUTIME_ID);
  pthread_t th;
  void *advanced;
  pthread_create(&th, 0, busy_thread, 0);
  pthread_join(th, &advanced);
  long long main1 = ns_of(CLOCK_THREAD_CPUTIME_ID), proc1 = ns_of(CLOCK_PROCESS_CPUTIME_ID);
  printf("CLOCK_THREAD_CPUTIME_ID: the busy thread's advanced: %d; main's grew less than the process's: %d\n",
         (int)(long)advanced, main1 - main0 < proc1 - proc0);
  return 0;
}
