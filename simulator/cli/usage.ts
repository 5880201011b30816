// Help and usage text for `ksw`, kept in one place so every usage error
// prints the same short line and `--help` the same summary (DESIGN.md §3.1).

export const USAGE_LINE = "usage: ksw <exec|run|hunt|cc|build|exports> ... (try 'ksw --help')";

export const EXEC_USAGE = 'usage: ksw exec [--stats] [--root DIR] [--seed S] [--max-time T] [--cpus N] [--sched POLICY] [--] PROGRAM [ARGS...] [--stats]';

export const HELP = `KStackWatch Studio command line

usage:
  ksw exec [--stats] [--root DIR] [--seed S] [--max-time T] [--cpus N] [--sched POLICY] [--] PROGRAM [ARGS...] [--stats]
      Run a static x86-64 Linux executable (e.g. built with musl-gcc -static)
      on the simulated CPU. Its stdin/stdout/stderr pass through and the exit
      status is the program's; it sees the host's files as qemu-user gives
      them. --root DIR confines it to DIR (its "/"; paths leading outside are
      refused). --stats prints "insns=N seconds=S mips=M" as the last line on
      stderr, always on a line of its own. --seed S (default 0) picks the
      threads' interleaving (and AT_RANDOM/getrandom bytes): the same seed
      gives the same run.
      --max-time T bounds the simulated time (default 600 s; 1.5s, 500ms):
      sleeps jump the clock, so a program that sleeps forever ends at T
      with status 152 (128+SIGXCPU) and one line on stderr.
      --cpus N (default 1) runs the threads on N simulated CPUs, in rounds
      of seeded quanta as ksw run does; --sched POLICY as for ksw run
      (default: 20000-79999 instruction slices on one CPU, fine on several).
  ksw run MODULE(.ko|.o|.c) [--watch CONFIG]... [--param NAME=VALUE]... [--cpus N]
          [--seed S] [--max-insns N] [--max-time T] [--json] [--quiet]
          [--panic-on-oops] [--hotplug CPU@MS:off|on]... [--cflags "FLAGS"]
          [--control "at TIME: CONFIG"]...
      Boot the simulated SMP kernel, load the module (a .c is compiled first),
      arm the stack watches, run module_init, every task it starts, then
      module_exit. Prints the kernel log and KStackWatch reports (--json: one
      event per line). Exit status: 0 clean, 1 stack corruption caught, 2 bad
      input, 3 the guest oopsed, panicked, deadlocked or ran out of budget.
      --max-time T bounds the simulated time (default 600 s; 1.5s, 500ms):
      an idle machine jumps to its next timer, so a guest that sleeps
      forever ends at T with status 3.
      --control writes CONFIG to /sys/kernel/debug/kstackwatch/config at a
      simulated TIME (50ms, 1.5s, 200us): stop, then start CONFIG; an empty
      CONFIG clears. --param kstackwatch.panic_on_catch=1 panics on a catch.
      CONFIG: fn=NAME [fo=OFF] [dp=N] [mw=N] [so=OFF wl=1|2|4|8] [ac=1] [ph=1]
              [var=LOCAL or var=LOCAL[INDEX]]   (wl=0 or ac=1: the canary)
  ksw build [DIR] [MAKE_ARGS...]
      Build a Kbuild module folder (obj-m) against real kernel headers:
      $KDIR, else /lib/modules/$(uname -r)/build, else the newest
      /usr/src/linux-headers-*. Prints the headers used and each .ko built;
      ksw run loads the .ko unmodified.
  ksw exports [--markdown]
      List every function, variable and per-CPU variable the simulated
      kernel exports to modules.
  ksw hunt MODULE(.o|.c) [ksw run options] --seeds A-B|N [--jobs N]
          [--shard K/N] [--json] [--stop-after K]
  ksw hunt merge FILE... [--json]
      Run the module under every seed of the range on worker threads (--jobs,
      default one per core) and list the seeds that corrupted or oopsed, each
      with the \`ksw run ... --seed S\` command replaying it. --shard K/N runs
      every N-th seed from the K-th; merge combines the shards' --json
      outputs. Exit status: 1 a seed corrupted, 3 a seed oopsed, 0 all clean.
  ksw cc FILE.c [-o FILE.o] [gcc flags...]
      Compile a test module with the SDK headers and kernel flags
      (-mcmodel=kernel, canary at %gs:0x28). Uses $CC or gcc.

Exit status 2 means bad input (usage, unreadable or invalid ELF, unresolved
symbols, invalid watch config); the reason is printed on one line.
`;
