// `ksw exec` end to end, through the built bin (run `node scripts/build.mjs`
// first): bad input is exit status 2 with one line and no stack trace; real
// musl programs (built here, at test time) behave as they do natively.

import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runStaticExecutable } from '../../simulator/user/process';
import { buildElf, hiExecutable, symbolSections } from './elfBuilder';
import { skipUnless } from '../tools';

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'bin/ksw');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-exec-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Run { status: number | null; stdout: string; stderr: string }

function ksw(args: string[], input?: string): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { input: input ?? '', encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function native(file: string, args: string[], input?: string): Run {
  const r = spawnSync(file, args, { input: input ?? '', encoding: 'utf8', timeout: 60_000 });
  return { status: r.status ?? (r.signal === 'SIGSEGV' ? 139 : r.signal === 'SIGABRT' ? 134 : null), stdout: r.stdout, stderr: r.stderr };
}

function writeTemp(name: string, bytes: Uint8Array): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, bytes, { mode: 0o755 });
  return p;
}

function assertNoStackTrace(r: Run): void {
  assert.doesNotMatch(r.stderr, /\n\s+at .*\(|node:internal|Error:/, `stack trace leaked:\n${r.stderr}`);
}

/** Exit 2 and exactly `ksw: <path>: <reason>` on stderr. */
function assertBadInput(file: string, reason: string | RegExp): void {
  const r = ksw(['exec', file]);
  assertNoStackTrace(r);
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stdout, '');
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, r.stderr);
  if (typeof reason === 'string') assert.equal(lines[0], `ksw: ${file}: ${reason}`);
  else {
    assert.ok(lines[0].startsWith(`ksw: ${file}: `), lines[0]);
    assert.match(lines[0], reason);
  }
}

// ---- bad input ------------------------------------------------------------------

test('random bytes: not an ELF file', () => {
  const bytes = Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24);
  assertBadInput(writeTemp('random.bin', bytes), 'not an ELF file');
  assertBadInput(writeTemp('empty.bin', new Uint8Array(0)), 'not an ELF file');
});

test('truncated ELF', () => {
  const full = hiExecutable();
  assertBadInput(writeTemp('trunc40', full.subarray(0, 40)), 'truncated ELF: ELF header past end of file');
  assertBadInput(writeTemp('trunc100', full.subarray(0, 100)), 'truncated ELF: program header table past end of file');
  assertBadInput(writeTemp('trunc200', full.subarray(0, 200)), /^ksw: .*: truncated ELF: segment 0 data past end of file$/);
});

test('wrong machine (aarch64 header)', () => {
  const b = Uint8Array.from(hiExecutable());
  b[18] = 183;
  assertBadInput(writeTemp('arm64', b), 'ELF for machine 183 (aarch64), expected x86-64');
});

test('a relocatable .o is not an executable', () => {
  const obj = buildElf({ type: 1, sections: [{ name: '.text', type: 1, flags: 6, data: Uint8Array.from([0xc3]) }] });
  assertBadInput(writeTemp('module.o', obj), /relocatable object \(ET_REL\), not an executable/);
});

test('core files, dynamic executables, bad segment addresses', () => {
  assertBadInput(writeTemp('core', buildElf({ type: 4 })), 'not an executable (ET_CORE)');
  const interp = Buffer.from('/lib/ld-musl-x86_64.so.1\0');
  const dyn = buildElf({
    type: 2, entry: 0x401000n,
    segments: [{ type: 3, flags: 4, vaddr: 0x400200n, data: interp, align: 1 }, { type: 1, flags: 5, vaddr: 0x401000n, data: Uint8Array.from([0xc3]) }],
  });
  assertBadInput(writeTemp('dynamic', dyn), 'dynamically linked (needs /lib/ld-musl-x86_64.so.1); only static executables run, build with -static');
  const low = buildElf({ type: 2, segments: [{ type: 1, flags: 5, vaddr: 0n, data: Uint8Array.from([0xc3]) }] });
  assertBadInput(writeTemp('low', low), 'segment at 0x0 is below the lowest mappable address 0x10000');
});

test('missing file and directory', () => {
  assertBadInput(path.join(tmp, 'does-not-exist'), 'no such file');
  assertBadInput(tmp, 'is a directory');
});

test('usage errors exit 2 with a usage line', () => {
  for (const args of [[], ['frobnicate'], ['exec'], ['exec', '--stats'], ['exec', '--bogus', 'x']]) {
    const r = ksw(args);
    assertNoStackTrace(r);
    assert.equal(r.status, 2, `ksw ${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^usage: ksw/m, r.stderr);
  }
  for (const cmd of ['run', 'cc']) {
    const r = ksw([cmd, 'no-such-file.c']);
    assertNoStackTrace(r);
    assert.equal(r.status, 2, `ksw ${cmd}: ${r.stderr}`);
    assert.match(r.stderr, /no-such-file\.c: no such file/);
  }
  const help = ksw(['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /ksw exec \[--stats\]/);
});

// ---- running programs -------------------------------------------------------------

const STATS = /^insns=\d+ seconds=\d+\.\d{3} mips=\d+\.\d{2}$/;

test('a hand-assembled static executable runs: output and exit status', () => {
  const hi = writeTemp('hi', hiExecutable());
  const r = ksw(['exec', hi]);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, 'hi\n');
  assert.equal(r.status, 7);
  for (const args of [['exec', '--stats', hi], ['exec', hi, '--stats']]) {
    const s = ksw(args);
    assert.equal(s.status, 7);
    assert.equal(s.stdout, 'hi\n');
    const lines = s.stderr.trimEnd().split('\n');
    assert.match(lines[lines.length - 1], STATS);
    assert.match(lines[lines.length - 1], /^insns=8 /);
  }
});

test('runStaticExecutable: captured streams, instruction budget', () => {
  const hi = writeTemp('hi-api', hiExecutable());
  const out: Buffer[] = [];
  const r = runStaticExecutable(hi, [], { stdout: (b) => out.push(Buffer.from(b)) });
  assert.equal(Buffer.concat(out).toString(), 'hi\n');
  assert.equal(r.exitCode, 7);
  assert.equal(r.insns, 8);
  assert.equal(r.fault, undefined);

  const spin = writeTemp('spin', buildElf({ type: 2, entry: 0x401000n, segments: [{ type: 1, flags: 5, vaddr: 0x401000n, data: Uint8Array.from([0xeb, 0xfe]) }] }));
  const err: Buffer[] = [];
  const s = runStaticExecutable(spin, [], { maxInstructions: 100_000, stderr: (b) => err.push(Buffer.from(b)) });
  assert.equal(s.budgetExhausted, true);
  assert.equal(s.exitCode, 128 + 24);
  // run() may overshoot: by up to a block, or 8192 instructions for a block that loops on itself.
  assert.ok(s.insns >= 100_000 && s.insns < 100_000 + 8192 + 64, String(s.insns));
  assert.equal(Buffer.concat(err).toString(), 'ksw: instruction limit reached (100000 instructions)\n');
});

test('CPU exceptions become one-line guest faults with signal-style exit codes', () => {
  const cases: [string, number[], number, RegExp][] = [
    ['ud2', [0x0f, 0x0b], 132, /^ksw: guest fault: invalid opcode: .*'ud2' at rip 0x401000 <_start\+0x0>\n$/],
    ['div0', [0x31, 0xc9, 0xf7, 0xf1], 136, /^ksw: guest fault: divide error at rip 0x401002 <_start\+0x2>\n$/],
    ['hlt', [0xf4], 139, /^ksw: guest fault: general protection fault: hlt in user mode at rip 0x401000 <_start\+0x0>\n$/],
    ['jump0', [0x31, 0xc0, 0xff, 0xe0], 139, /^ksw: guest fault: page fault: execute at 0x0 \(not mapped\) at rip 0x0\n$/],
  ];
  for (const [name, bytes, status, message] of cases) {
    const code = Uint8Array.from(bytes);
    const file = writeTemp(name, buildElf({
      type: 2, entry: 0x401000n, segments: [{ type: 1, flags: 5, vaddr: 0x401000n, data: code }],
      sections: symbolSections([{ name: '_start', value: 0x401000n, size: code.length, type: 2, section: 1 }], []),
    }));
    const r = ksw(['exec', file]);
    assert.equal(r.status, status, `${name}: ${r.stderr}`);
    assert.match(r.stderr, message, name);
  }
});

const SKIP_MUSL = skipUnless('musl-gcc');

/** musl's crt/lib directory, from the link command musl-gcc would run (its -print-file-name shows glibc's). */
function muslLibDir(): string {
  const r = spawnSync('musl-gcc', ['-###', '-static', 'x.o'], { encoding: 'utf8' });
  const m = /([^\s"]*)\/crti\.o/.exec(r.stderr);
  assert.ok(m, `cannot find musl's crti.o in:\n${r.stderr}`);
  return m[1];
}

const programs = new Map<string, string>();
/** Compile a C program with musl-gcc -static (or as static-pie) once per test run. */
function build(name: string, source: string, pie = false): string {
  const key = name + (pie ? '-pie' : '');
  const done = programs.get(key);
  if (done) return done;
  const src = path.join(tmp, name + '.c'), exe = path.join(tmp, key);
  fs.writeFileSync(src, source);
  let r;
  if (!pie) {
    r = spawnSync('musl-gcc', ['-static', '-O2', '-o', exe, src], { encoding: 'utf8' });
  } else {
    // musl-gcc's specs cannot link static-pie; link by hand with rcrt1.o, which self-relocates.
    const lib = muslLibDir();
    const obj = exe + '.o';
    r = spawnSync('musl-gcc', ['-fPIE', '-O2', '-c', '-o', obj, src], { encoding: 'utf8' });
    if (r.status === 0) {
      const libgcc = spawnSync('gcc', ['-print-libgcc-file-name'], { encoding: 'utf8' }).stdout.trim();
      r = spawnSync('gcc', ['-nostdlib', '-static-pie', '-o', exe, path.join(lib, 'rcrt1.o'), path.join(lib, 'crti.o'),
        obj, `-L${lib}`, '-lc', libgcc, path.join(lib, 'crtn.o')], { encoding: 'utf8' });
    }
  }
  assert.equal(r.status, 0, r.stderr);
  programs.set(key, exe);
  return exe;
}

const HELLO = `#include <stdio.h>
int main(int argc, char **argv) {
  printf("hello %s, argc=%d\\n", argc > 1 ? argv[1] : "nobody", argc);
  for (int i = 0; i < argc; i++) printf("argv[%d]=%s\\n", i, argv[i]);
  return 3;
}
`;

test('musl hello world: output and exit status match native', { skip: SKIP_MUSL }, () => {
  const exe = build('hello', HELLO);
  const want = native(exe, ['world', 'x y']);
  const got = ksw(['exec', exe, 'world', 'x y']);
  assert.equal(got.stderr, '');
  assert.equal(got.stdout, want.stdout);
  assert.equal(got.status, 3);
});

test('--max-time: a program that sleeps forever ends at the simulated limit (default 600 s) with 128+SIGXCPU and one line', { skip: SKIP_MUSL }, () => {
  const exe = build('sleeper', '#include <stdio.h>\n#include <unistd.h>\nint main(void) { puts("sleeping"); fflush(stdout); for (;;) sleep(1); }\n');
  const bounded = ksw(['exec', '--max-time', '5s', exe]);
  assert.equal(bounded.stdout, 'sleeping\n');
  assert.equal(bounded.stderr, 'ksw: simulated time limit reached (5 s): the program was still running\n');
  assert.equal(bounded.status, 128 + 24);
  const byDefault = ksw(['exec', exe]);
  assert.equal(byDefault.stderr, 'ksw: simulated time limit reached (600 s): the program was still running\n');
  assert.equal(byDefault.status, 128 + 24);
  const bad = ksw(['exec', '--max-time', '0', exe]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^ksw exec: --max-time: '0' is not a simulated time/);
});

test('musl static-pie hello world', { skip: SKIP_MUSL }, () => {
  const exe = build('hello', HELLO, true);
  const got = ksw(['exec', exe, 'pie']);
  assert.equal(got.stderr, '');
  assert.equal(got.stdout, native(exe, ['pie']).stdout);
  assert.equal(got.status, 3);
});

test('--stats: last stderr line, before or after the program; `--` keeps a trailing --stats for the program', { skip: SKIP_MUSL }, () => {
  const exe = build('hello', HELLO);
  for (const args of [['exec', '--stats', exe, 'a'], ['exec', exe, 'a', '--stats']]) {
    const r = ksw(args);
    assert.equal(r.status, 3);
    assert.equal(r.stdout, native(exe, ['a']).stdout);
    assert.match(r.stderr, /^insns=\d+ seconds=\d+\.\d{3} mips=\d+\.\d{2}\n$/);
  }
  const verbatim = ksw(['exec', '--', exe, 'a', '--stats']);
  assert.equal(verbatim.stderr, '');
  assert.match(verbatim.stdout, /^argv\[2\]=--stats$/m);
});

test('an unsupported syscall warns once and returns -ENOSYS', { skip: SKIP_MUSL }, () => {
  const exe = build('nosys', `#include <stdio.h>
#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>
int main(void) {
  long a = syscall(SYS_sync), e1 = errno;
  long b = syscall(SYS_sync), e2 = errno;
  printf("%ld %d %ld %d\\n", a, e1 == ENOSYS, b, e2 == ENOSYS);
  return 0;
}
`);
  const r = ksw(['exec', exe]);
  assert.equal(r.status, 0);
  assert.equal(r.stdout, '-1 1 -1 1\n');
  assert.equal(r.stderr, 'ksw: warning: unsupported syscall 162 (sync) returns -ENOSYS\n');
});

test('stdin passes through', { skip: SKIP_MUSL }, () => {
  const exe = build('upper', `#include <stdio.h>
#include <ctype.h>
int main(void) {
  int c, n = 0;
  while ((c = getchar()) != EOF) { putchar(toupper(c)); n++; }
  fprintf(stderr, "%d bytes\\n", n);
  return 0;
}
`);
  const input = 'hello\nworld ' + 'x'.repeat(10000) + '\n';
  const r = ksw(['exec', exe], input);
  assert.equal(r.status, 0);
  assert.equal(r.stdout, input.toUpperCase());
  assert.equal(r.stderr, `${input.length} bytes\n`);
});

test('heap, mmap, realloc, time and uname behave', { skip: SKIP_MUSL }, () => {
  const exe = build('mem', `#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/utsname.h>
#include <sys/mman.h>
int main(void) {
  unsigned long sum = 0;
  char *small[1000];
  for (int i = 0; i < 1000; i++) { small[i] = malloc(i * 7 + 1); memset(small[i], i, i * 7 + 1); }
  for (int i = 0; i < 1000; i += 2) free(small[i]);
  char *big = malloc(20 << 20);
  for (int i = 0; i < (20 << 20); i += 4096) big[i] = (char)i;
  big = realloc(big, 40 << 20);
  for (int i = 0; i < (20 << 20); i += 4096) sum += (unsigned char)big[i];
  char *m = mmap(0, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  m[12345] = 7; sum += m[12345];
  munmap(m, 1 << 20);
  struct timespec t; clock_gettime(CLOCK_REALTIME, &t);
  struct utsname u; uname(&u);
  printf("sum=%lu time_ok=%d %s %s\\n", sum, t.tv_sec >= 1735689600, u.sysname, u.machine);
  return 0;
}
`);
  const r = ksw(['exec', exe]);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, native(exe, []).stdout);
  assert.equal(r.status, 0);
});

test('a null write is a guest fault: one line, exit 139', { skip: SKIP_MUSL }, () => {
  const exe = build('segv', `#include <stdio.h>
int main(int argc, char **argv) {
  printf("before\\n"); fflush(stdout);
  *(volatile int *)(long)(argc - 1) = 1;
  return 0;
}
`);
  const r = ksw(['exec', exe]);
  assertNoStackTrace(r);
  assert.equal(r.status, 139);
  assert.equal(r.stdout, 'before\n');
  assert.match(r.stderr, /^ksw: guest fault: page fault: write at 0x0 \(not mapped\) at rip 0x[0-9a-f]+ <main\+0x[0-9a-f]+>\n$/);
});

test('abort() dies with SIGABRT: exit 134', { skip: SKIP_MUSL }, () => {
  const exe = build('abort', '#include <stdlib.h>\nint main(void) { abort(); }\n');
  const r = ksw(['exec', exe]);
  assert.equal(r.status, 134);
  assert.match(r.stderr, /^ksw: guest killed by signal 6 \(SIGABRT\)/);
});

test('fstat, getrlimit and readlink(/proc/self/exe) match native', { skip: SKIP_MUSL }, () => {
  const exe = build('stat', `#include <stdio.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <unistd.h>
int main(void) {
  struct stat s; int r = fstat(1, &s);
  struct rlimit rl; getrlimit(RLIMIT_STACK, &rl);
  char b[256]; ssize_t n = readlink("/proc/self/exe", b, 255); b[n > 0 ? n : 0] = 0;
  printf("fstat %d fifo=%d stack=%lu exe=%s\\n", r, S_ISFIFO(s.st_mode), (unsigned long)rl.rlim_cur, b);
  return 0;
}
`);
  const r = ksw(['exec', exe]);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, native(exe, []).stdout);
});

const glibcStatic = spawnSync('gcc', ['-static', '-x', 'c', '-o', path.join(tmp, 'glibc-probe'), '-'],
  { input: 'int main(void){return 0;}', encoding: 'utf8' }).status === 0;
test('a glibc static executable runs without warnings', { skip: glibcStatic ? false : 'gcc -static (glibc static libs) not available' }, () => {
  const src = path.join(tmp, 'glibc.c'), exe = path.join(tmp, 'glibc-hello');
  fs.writeFileSync(src, '#include <stdio.h>\nint main(int c, char **v) { printf("glibc %d %s\\n", c, v[1]); return 4; }\n');
  const b = spawnSync('gcc', ['-static', '-O2', '-o', exe, src], { encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  const r = ksw(['exec', exe, 'arg']);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, 'glibc 2 arg\n');
  assert.equal(r.status, 4);
});

test('sysinfo: glibc sizes qsort\'s buffer by it without a warning; the fields are the simulated machine\'s', { skip: glibcStatic ? false : 'gcc -static (glibc static libs) not available' }, () => {
  const src = path.join(tmp, 'sysinfo.c'), exe = path.join(tmp, 'glibc-sysinfo');
  fs.writeFileSync(src, `#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/sysinfo.h>
static int cmp(const void *a, const void *b) { long x = *(const long *)a, y = *(const long *)b; return (x > y) - (x < y); }
int main(void) {
  enum { N = 200000 };  /* big enough that glibc's qsort asks sysconf(_SC_PHYS_PAGES) */
  long *a = malloc(N * sizeof *a);
  for (long i = 0; i < N; i++) a[i] = (i * 7919) % N;
  qsort(a, N, sizeof *a, cmp);
  int sorted = 1;
  for (long i = 0; i < N; i++) sorted &= a[i] == i;
  struct sysinfo si; int r = sysinfo(&si);
  printf("sorted=%d r=%d unit=%u total=%lu free<=total=%d procs=%u pages=%ld\\n", sorted, r, si.mem_unit,
         si.totalram, si.freeram <= si.totalram, si.procs, sysconf(_SC_PHYS_PAGES));
  return 0;
}
`);
  const b = spawnSync('gcc', ['-static', '-O2', '-o', exe, src], { encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  const r = ksw(['exec', exe]);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, `sorted=1 r=0 unit=1 total=${4 * 2 ** 30} free<=total=1 procs=1 pages=${(4 * 2 ** 30) / 4096}\n`);
  assert.equal(r.status, 0);
});

test('--stats starts its own line when the program\'s stderr does not end in a newline', { skip: SKIP_MUSL }, () => {
  const exe = build('gluedstderr', `#include <stdio.h>
int main(void) { fputs("partial", stderr); return 0; }
`);
  const r = ksw(['exec', '--stats', exe]);
  assert.equal(r.status, 0);
  assert.match(r.stderr, /^partial\ninsns=\d+ seconds=\d+\.\d{3} mips=\d+\.\d{2}\n$/);
});

test('--root DIR: the program sees DIR as "/", cannot climb out or follow links out', { skip: SKIP_MUSL }, () => {
  const exe = build('rooted', `#include <stdio.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
static void try(const char *p) { FILE *f = fopen(p, "r"); printf("%s: %s\\n", p, f ? "opened" : strerror(errno)); if (f) fclose(f); }
int main(void) {
  char cwd[256];
  printf("cwd %s\\n", getcwd(cwd, sizeof cwd));
  try("/inside.txt"); try("../../inside.txt"); try("/etc/hostname"); try("/out/hostname"); try("/../../etc/hostname");
  FILE *f = fopen("/made.txt", "w");
  fputs("made", f);
  fclose(f);
  return 0;
}
`);
  const root = fs.mkdtempSync(path.join(tmp, 'root-'));
  fs.writeFileSync(path.join(root, 'inside.txt'), 'x');
  fs.symlinkSync('/etc', path.join(root, 'out'));
  const r = ksw(['exec', '--root', root, exe]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, [
    'cwd /', '/inside.txt: opened', '../../inside.txt: opened', '/etc/hostname: No such file or directory',
    '/out/hostname: Permission denied', '/../../etc/hostname: No such file or directory', '',
  ].join('\n'));
  assert.equal(r.stderr, 'ksw: warning: /out/hostname: outside the --root directory; access denied (EACCES)\n');
  assert.equal(fs.readFileSync(path.join(root, 'made.txt'), 'utf8'), 'made');

  for (const [bad, why] of [[path.join(root, 'nope'), 'no such directory'], [path.join(root, 'inside.txt'), 'not a directory']]) {
    const e = ksw(['exec', '--root', bad, exe]);
    assertNoStackTrace(e);
    assert.equal(e.status, 2);
    assert.equal(e.stderr, `ksw: --root ${bad}: ${why}\n`);
  }
  assert.equal(ksw(['exec', '--root']).status, 2);
});

test('a program built for x86-64-v3 stops at its first AVX instruction with a message naming the level', { skip: SKIP_MUSL }, () => {
  const src = `#include <stdio.h>
int a[64], b[64];
int main(void) {
  for (int i = 0; i < 64; i++) { a[i] = i; b[i] = 3 * i; }
  for (int i = 0; i < 64; i++) a[i] += b[i];
  printf("%d\\n", a[63]);
  return 0;
}
`;
  const file = path.join(tmp, 'v3.c'), exe = path.join(tmp, 'v3');
  fs.writeFileSync(file, src);
  const cc = spawnSync('musl-gcc', ['-static', '-O3', '-march=x86-64-v3', '-o', exe, file], { encoding: 'utf8' });
  assert.equal(cc.status, 0, cc.stderr);
  const r = ksw(['exec', exe]);
  assertNoStackTrace(r);
  assert.equal(r.status, 132); // SIGILL
  assert.match(r.stderr, /^ksw: guest fault: invalid opcode: unsupported instruction 'v\w+ [^']*' \(needs x86-64-v3: AVX\/AVX2\) at rip 0x[0-9a-f]+ <main\+0x[0-9a-f]+>\n$/);
});

// Character devices as stdio: the guest's isatty() and buffering follow the
// host's (/dev/null and /dev/zero are not terminals, a pseudo-terminal is),
// decided without loading node:tty for the usual devices (user/process.ts).
test('isatty on /dev/null, /dev/zero and a pseudo-terminal as stdio: as natively', { skip: SKIP_MUSL }, () => {
  const exe = build('isatty', `#include <stdio.h>
#include <unistd.h>
int main(void) {
  fprintf(stderr, "stdin %d stdout %d\\n", isatty(0), isatty(1));
  return 0;
}
`);
  const devices = ['/dev/null', '/dev/zero', '/dev/ptmx'].filter((d) => { try { fs.closeSync(fs.openSync(d, 'r+')); return true; } catch { return false; } });
  assert.ok(devices.includes('/dev/null'));
  for (const dev of devices) {
    const fd = fs.openSync(dev, 'r+');
    try {
      const stdio: ('pipe' | number)[] = [fd, fd, 'pipe'];
      const nat = spawnSync(exe, [], { stdio, encoding: 'utf8' });
      const sim = spawnSync(process.execPath, [BIN, 'exec', exe], { stdio, encoding: 'utf8' });
      assert.equal(sim.status, 0, sim.stderr);
      assert.equal(sim.stderr, nat.stderr, dev);
    } finally {
      fs.closeSync(fd);
    }
  }
});
