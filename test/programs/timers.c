/* Timers that send signals, and the calls that wait for signals: alarm and
   its remaining seconds, setitimer/getitimer (ITIMER_REAL, one-shot and
   periodic), rt_sigsuspend with a temporary mask (the old mask back after
   the handler), pause, a nanosleep cut short by SIGALRM (EINTR and the time
   left), sigwait/sigtimedwait (a blocked signal taken without a handler, a
   timeout with EAGAIN). (The default action of SIGALRM, death, is in
   test/unit/threads.test.ts: the harness wants a native exit.) It prints only what does not depend on the host's timing. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t alarms, usr1;
static void on_alarm(int sig) { (void)sig; alarms++; }
static void on_usr1(int sig) { (void)sig; usr1++; }

static void set_timer(long first_us, long every_us) {
  struct itimerval it = {{every_us / 1000000, every_us % 1000000}, {first_us / 1000000, first_us % 1000000}};
  if (setitimer(ITIMER_REAL, &it, NULL) != 0) printf("setitimer failed: %s\n", strerror(errno));
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, NULL);
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);

  /* alarm returns what was left of the previous one */
  printf("alarm(5) -> %u\n", alarm(5));
  printf("alarm(0) -> %u (cancelled)\n", alarm(0));
  printf("alarm(0) again -> %u\n", alarm(0));

  /* a periodic timer, waited for with sigsuspend while SIGALRM is blocked otherwise */
  sigset_t block, old, none;
  sigemptyset(&block);
  sigaddset(&block, SIGALRM);
  sigemptyset(&none);
  sigprocmask(SIG_BLOCK, &block, &old);
  set_timer(10000, 10000);
  int rounds = 0;
  while (alarms < 5) {
    int r = sigsuspend(&none);
    rounds++;
    if (r != -1 || errno != EINTR) printf("sigsuspend returned %d errno %d\n", r, errno);
  }
  sigset_t now;
  sigprocmask(SIG_BLOCK, NULL, &now);
  printf("sigsuspend: %d alarms in %d rounds, SIGALRM blocked again afterwards: %d\n", (int)alarms, rounds, sigismember(&now, SIGALRM));
  struct itimerval cur;
  getitimer(ITIMER_REAL, &cur);
  /* (not it_value: with SIGALRM blocked, Linux re-arms the periodic timer only when the signal is taken,
     so a loaded host can show 0 there) */
  printf("getitimer: interval %ld.%06ld\n", (long)cur.it_interval.tv_sec, (long)cur.it_interval.tv_usec);
  set_timer(0, 0);
  getitimer(ITIMER_REAL, &cur);
  printf("disarmed: %ld %ld\n", (long)cur.it_value.tv_sec, (long)cur.it_value.tv_usec);
  sigprocmask(SIG_SETMASK, &old, NULL);

  /* pause until a one-shot timer fires */
  alarms = 0;
  set_timer(20000, 0);
  int r = pause();
  printf("pause: %d %s, alarms %d\n", r, r == -1 && errno == EINTR ? "EINTR" : "?", (int)alarms);

  /* a long nanosleep cut short */
  set_timer(30000, 0);
  struct timespec req = {5, 0}, rem = {0, 0};
  r = nanosleep(&req, &rem);
  printf("nanosleep: %d %s, time left between 4 and 5 s: %d\n", r, r == -1 && errno == EINTR ? "EINTR" : "?",
         rem.tv_sec == 4 || (rem.tv_sec == 5 && rem.tv_nsec == 0));

  /* sigwait: a blocked SIGALRM is taken without running the handler */
  alarms = 0;
  sigprocmask(SIG_BLOCK, &block, NULL);
  set_timer(15000, 0);
  int sig = 0;
  r = sigwait(&block, &sig);
  printf("sigwait: %d, signal %s, handler runs %d\n", r, sig == SIGALRM ? "SIGALRM" : "?", (int)alarms);
  sigset_t usr;
  sigemptyset(&usr);
  sigaddset(&usr, SIGUSR1);
  sigprocmask(SIG_BLOCK, &usr, NULL);
  struct timespec tmo = {0, 25000000};
  siginfo_t si;
  r = sigtimedwait(&usr, &si, &tmo);
  printf("sigtimedwait with nothing sent: %d %s\n", r, r == -1 && errno == EAGAIN ? "EAGAIN" : "?");
  raise(SIGUSR1);
  r = sigtimedwait(&usr, &si, &tmo);
  printf("sigtimedwait after raise: %s, si_code SI_TKILL %d, handler runs %d\n", r == SIGUSR1 ? "SIGUSR1" : "?",
         si.si_code == SI_TKILL, (int)usr1);
  sigprocmask(SIG_SETMASK, &old, NULL);

  return 0;
}
