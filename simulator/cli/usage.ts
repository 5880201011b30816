// Help and usage text for `ksw`, kept in one place so every usage error
// prints the same short line and `--help` the same summary (DESIGN.md §3.1).

export const USAGE_LINE = "usage: ksw <exec|run|cc> ... (try 'ksw --help')";

export const EXEC_USAGE = 'usage: ksw exec [--stats] [--] PROGRAM [ARGS...] [--stats]';

export const HELP = `KStackWatch Studio command line

usage:
  ksw exec [--stats] [--] PROGRAM [ARGS...] [--stats]
      Run a static x86-64 Linux executable (e.g. built with musl-gcc -static)
      on the simulated CPU. Its stdin/stdout/stderr pass through and the exit
      status is the program's. --stats prints "insns=N seconds=S mips=M" as
      the last line on stderr.
  ksw run MODULE(.o|.c) [--watch CONFIG]... [--param NAME=VALUE]... [--cpus N]
          [--seed S] [--max-insns N] [--json] [--quiet]
      Boot the simulated kernel and run a test module (not available yet).
  ksw cc FILE.c [-o FILE.o] [gcc flags...]
      Compile a test module with the SDK headers and kernel flags (not available yet).

Exit status 2 means bad input (usage, unreadable or invalid ELF); the reason is
printed on one line.
`;
