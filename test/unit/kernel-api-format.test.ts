// The kernel's printf formatter (simulator/kernel/api/format.ts), without a
// machine: every case that ISO C and Linux agree on is compared with the
// host's own snprintf (glibc, through a C program compiled with gcc at test
// time), including truncation and return values; the places where Linux's
// lib/vsprintf.c deliberately differs from C, and the kernel's %p
// extensions, are checked against what Linux prints.

import { after, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ArgSource, FormatEnv, ListArgs, VaListArgs, formatKernel, parsePrintkPrefix,
} from '../../simulator/kernel/api/format';
import { kstrto } from '../../simulator/kernel/api/sprintf';
import { randomBelow } from '../../simulator/kernel/api/random';
import { skipUnless } from '../tools';

const CC = process.env.CC || 'gcc';
const NO_GCC = skipUnless('gcc');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-fmt-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// ---- a fake guest: strings at made-up addresses ------------------------------------------

const STR_BASE = 0xffff888000100000n;
const strings = new Map<bigint, Uint8Array>();
function str(s: string): bigint {
  const addr = STR_BASE + BigInt(strings.size) * 0x1000n;
  strings.set(addr, Buffer.from(s, 'utf8'));
  return addr;
}

const env: FormatEnv = {
  readString(addr, max) {
    for (const [a, bytes] of strings) {
      if (addr >= a && addr < a + 0x1000n) {
        const s = bytes.subarray(Number(addr - a));
        return s.subarray(0, Math.min(s.length, max));
      }
    }
    return null;
  },
  readBytes(addr, len) {
    const s = env.readString(addr, len);
    return s && s.length >= len ? s.subarray(0, len) : null;
  },
  symbol(addr, kind) {
    if (addr >= 0xffffffffa0000100n && addr < 0xffffffffa0000140n) {
      const off = addr - 0xffffffffa0000100n;
      if (kind === 's') return 'victim';
      if (kind === 'B') return `victim+0x${(off - 1n + 1n).toString(16)}/0x40`;
      return `victim+0x${off.toString(16)}/0x40`;
    }
    return '0x' + addr.toString(16);
  },
  vaList() { throw new Error('no va_list in this test'); },
  readU64() { throw new Error('no memory in this test'); },
};

function fmt(f: string, args: (bigint | number)[] = [], limit = 4096): string {
  return Buffer.from(formatKernel(Buffer.from(f, 'latin1'), new ListArgs(args), env, limit).bytes).toString('latin1');
}

// ---- cases that C and Linux agree on: compared with glibc ----------------------------------

type CType = 'int' | 'unsigned' | 'long' | 'unsigned long' | 'long long' | 'unsigned long long' | 'size_t' | 'ssize_t'
  | 'str' | 'char';
interface Case { f: string; a: [CType, bigint | number | string][]; size?: number }

const I = (v: number | bigint): [CType, bigint | number] => ['int', v];
const U = (v: number | bigint): [CType, bigint | number] => ['unsigned', v];
const L = (v: bigint): [CType, bigint] => ['long', v];
const UL = (v: bigint): [CType, bigint] => ['unsigned long', v];
const LL = (v: bigint): [CType, bigint] => ['long long', v];
const ULL = (v: bigint): [CType, bigint] => ['unsigned long long', v];
const S = (v: string): [CType, string] => ['str', v];
const C = (v: number): [CType, number] => ['char', v];

const INT_MIN = -2147483648, INT_MAX = 2147483647;
const LMIN = -(1n << 63n), LMAX = (1n << 63n) - 1n, UMAX64 = (1n << 64n) - 1n;

const agreed: Case[] = [
  { f: 'plain text', a: [] },
  { f: '%d|%i|%u', a: [I(42), I(-42), U(42)] },
  { f: '%d %d %d', a: [I(0), I(INT_MIN), I(INT_MAX)] },
  { f: '%u %u', a: [U(0), U(0xffffffff)] },
  { f: '%x %X %o', a: [U(0xdeadbeef), U(0xdeadbeef), U(0o755)] },
  { f: '%5d|%-5d|%05d|%+d|% d|%+5d|% 05d', a: [I(42), I(42), I(42), I(42), I(42), I(42), I(42)] },
  { f: '%05d|%-+6d|%+05d|% d', a: [I(-42), I(-42), I(-42), I(-42)] },
  { f: '%-05d|', a: [I(7)] },
  { f: '%1d|%2d|%3d', a: [I(100), I(100), I(100)] },
  { f: '%.3d|%8.3d|%-8.3d|%.5d', a: [I(7), I(7), I(-7), I(-123)] },
  { f: '%#x|%#X|%#o|%#10x|%#-10x|%#010x', a: [U(255), U(255), U(8), U(255), U(255), U(255)] },
  { f: '%08x|%-8X|%8o', a: [U(0xabc), U(0xabc), U(0o17)] },
  { f: '%+u|% u|%+x', a: [U(5), U(5), U(5)] },
  { f: '%ld %lu %lx %lX %lo', a: [L(LMIN), UL(UMAX64), UL(UMAX64), UL(0xabcdefn), UL(8n)] },
  { f: '%lld %llu %llx %lli', a: [LL(LMIN), ULL(UMAX64), ULL(0x123456789abcdefn), LL(LMAX)] },
  { f: '%Lu %Ld', a: [ULL(UMAX64), LL(-5n)] },
  { f: '%zu %zd %zx', a: [['size_t', UMAX64], ['ssize_t', -1n], ['size_t', 4096n]] },
  { f: '%td %tx', a: [L(-3n), L(255n)] },
  { f: '%hd %hu %hx %hhd %hhu %hhx', a: [I(70000), I(-1), I(0x12345), I(300), I(-1), I(0x1ff)] },
  { f: '%hd %hhd %hi', a: [I(-32768), I(-128), I(32767)] },
  { f: '%c%c%c|%3c|%-3c|', a: [C(0x61), C(0x62), C(0x63), C(0x78), C(0x79)] },
  { f: '%s|%10s|%-10s|%.2s|%10.2s|%-10.2s|', a: [S('hello'), S('hi'), S('hi'), S('hello'), S('hello'), S('hello')] },
  { f: '[%s]', a: [S('')] },
  { f: '%%|%d%%|100%%', a: [I(5)] },
  { f: '%*d|%-*d|%*d|', a: [I(6), I(42), I(6), I(42), I(-6), I(42)] },
  { f: '%.*d|%*.*d|%.*s|', a: [I(4), I(3), I(8), I(4), I(-3), I(3), S('abcdef')] },
  { f: '%*s|%-*s|', a: [I(7), S('ab'), I(7), S('ab')] },
  { f: '%s=%d, %s=%#llx', a: [S('a'), I(1), S('b'), ULL(0xffff888000000000n)] },
  { f: 'unicode: %s é', a: [S('naïve')] },
  // Register and stack arguments alike: many of them.
  { f: '%d %d %d %d %d %d %d %d %d %d %s', a: [I(1), I(2), I(3), I(4), I(5), I(6), I(7), I(8), I(9), I(10), S('end')] },
  // Truncation: output cut to size-1, return value the full length.
  { f: '%s-%d', a: [S('truncated'), I(12345)], size: 8 },
  { f: '%08x', a: [U(1)], size: 1 },
  { f: 'abc', a: [], size: 0 },
  { f: '%10s', a: [S('x')], size: 4 },
];

function cLiteral(s: string): string {
  return '"' + [...Buffer.from(s, 'utf8')].map((b) => (b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c ? String.fromCharCode(b) : `\\${b.toString(8).padStart(3, '0')}`)).join('') + '"';
}

function cArg([t, v]: [CType, bigint | number | string]): string {
  if (t === 'str') return cLiteral(v as string);
  if (t === 'char') return `(char)${v}`;
  const n = BigInt(v as bigint | number);
  const lit = n < 0n ? `(-${(-n).toString()}ULL)` : `${n.toString()}ULL`;
  return `(${t})${lit}`;
}

function argValue([t, v]: [CType, bigint | number | string]): bigint {
  if (t === 'str') return str(v as string);
  return BigInt.asUintN(64, BigInt(v as bigint | number));
}

describe('formatter vs the host snprintf', { skip: NO_GCC }, () => {
  test('every agreed case prints the same bytes and returns the same length', () => {
    const lines = agreed.map((c, i) => {
      const size = c.size ?? 4096;
      return `  { char buf[4096]; memset(buf, 0x55, sizeof buf); int n = snprintf(${size === 0 ? 'NULL' : 'buf'}, ${size}, ${cLiteral(c.f)}${c.a.map((a) => ', ' + cArg(a)).join('')});\n` +
        `    printf("%d %d ", ${i}, n); if (${size} > 0) fwrite(buf, 1, strlen(buf), stdout); putchar(0x1e); }`;
    });
    const src = path.join(tmp, 'fmt.c');
    fs.writeFileSync(src, `#include <stdio.h>\n#include <string.h>\n#include <sys/types.h>\nint main(void) {\n${lines.join('\n')}\n  return 0;\n}\n`);
    const exe = path.join(tmp, 'fmt');
    const cc = spawnSync(CC, ['-w', '-O0', src, '-o', exe], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    const run = spawnSync(exe, [], { encoding: 'latin1' });
    assert.equal(run.status, 0);
    const outputs = run.stdout.split('\x1e').slice(0, agreed.length);
    assert.equal(outputs.length, agreed.length);
    agreed.forEach((c, i) => {
      const m = /^(\d+) (-?\d+) ([^]*)$/.exec(outputs[i])!;
      assert.equal(Number(m[1]), i);
      const size = c.size ?? 4096;
      const r = formatKernel(Buffer.from(c.f, 'utf8'), new ListArgs(c.a.map(argValue)), env, Math.max(0, size - 1));
      const ours = Buffer.from(r.bytes).toString('latin1');
      assert.equal(ours, m[3], `case ${i} ${JSON.stringify(c.f)}: output`);
      assert.equal(r.length, Number(m[2]), `case ${i} ${JSON.stringify(c.f)}: length`);
    });
  });
});

// ---- where Linux differs from C -------------------------------------------------------------

describe('Linux-specific formatting', () => {
  test('the zero flag still pads when a precision is given', () => {
    assert.equal(fmt('%05.3d', [7]), '00007');
    assert.equal(fmt('%08.3x', [0xab]), '000000ab');
  });

  test('zero with "#" is 0x0, zero with precision 0 is still a digit', () => {
    assert.equal(fmt('%#x|%#o', [0, 0]), '0x0|0');
    assert.equal(fmt('%.0d|%.d', [0, 0]), '0|0');
  });

  test('"#" octal always adds its 0', () => {
    assert.equal(fmt('%#.5o', [8]), '000010');
  });

  test('a negative * precision means 0, a negative * width means left-justified', () => {
    assert.equal(fmt('%.*d', [BigInt.asUintN(64, -1n), 5]), '5');
    assert.equal(fmt('%*d|', [BigInt.asUintN(64, -4n), 5]), '5   |');
  });

  test('%s pads with spaces even with the zero flag', () => {
    assert.equal(fmt('%05s', [str('ab')]), '   ab');
  });

  test('%s of NULL and of bad pointers', () => {
    assert.equal(fmt('[%s]', [0]), '[(null)]');
    assert.equal(fmt('[%8s]', [0]), '[  (null)]');
    assert.equal(fmt('[%.3s]', [0]), '[(nu]');
    assert.equal(fmt('[%s]', [0x10]), '[(efault)]');
    assert.equal(fmt('[%s]', [BigInt.asUintN(64, -22n)]), '[(efault)]');
    assert.equal(fmt('[%s]', [0xffff888012345678n]), '[(efault)]'); // unreadable: no host crash
  });

  test('an unsupported conversion stops the output', () => {
    assert.equal(fmt('a%db%nc%d', [1, 2, 3]), 'a1b');
    assert.equal(fmt('x=%f y=%d', [1, 2]), 'x=');
    assert.equal(fmt('trailing %', []), 'trailing ');
    assert.equal(fmt('%5%|%-5%|', []), '%|%|');
  });

  test('%c takes the low byte', () => {
    assert.equal(fmt('%c', [0x141]), 'A');
  });

  test('truncation keeps counting', () => {
    const r = formatKernel(Buffer.from('%0*d'), new ListArgs([1000, 1]), env, 10);
    assert.equal(r.length, 1000);
    assert.equal(Buffer.from(r.bytes).toString(), '0000000000');
  });
});

describe('pointer extensions', () => {
  const P = 0xffff888003c4a0f0n;
  test('%p and %px print the address itself: 16 hex digits, no 0x', () => {
    assert.equal(fmt('%p', [P]), 'ffff888003c4a0f0');
    assert.equal(fmt('%px', [P]), 'ffff888003c4a0f0');
    assert.equal(fmt('%pK', [P]), 'ffff888003c4a0f0');
    assert.equal(fmt('%p', [0]), '0000000000000000');
    assert.equal(fmt('[%20p]', [0x1234]), '[                1234]');
    assert.equal(fmt('%p,%d', [0x10, 3]), '0000000000000010,3');
  });

  test('%pS, %ps, %pB and unknown addresses', () => {
    assert.equal(fmt('%pS', [0xffffffffa0000110n]), 'victim+0x10/0x40');
    assert.equal(fmt('%ps', [0xffffffffa0000110n]), 'victim');
    assert.equal(fmt('%pB', [0xffffffffa0000110n]), 'victim+0x10/0x40');
    assert.equal(fmt('%pSR', [0xffffffffa0000110n]), 'victim+0x10/0x40');
    assert.equal(fmt('%pF|%pf', [0xffffffffa0000110n, 0xffffffffa0000110n]), 'victim+0x10/0x40|victim');
    assert.equal(fmt('%pS', [0x1234]), '0x1234');
    assert.equal(fmt('[%-20ps]', [0xffffffffa0000110n]), '[victim              ]');
  });

  test('alphanumerics after %p belong to the pointer specifier', () => {
    assert.equal(fmt('%pSabc def', [0xffffffffa0000110n]), 'victim+0x10/0x40 def');
  });

  test('%pe names error pointers', () => {
    assert.equal(fmt('%pe', [BigInt.asUintN(64, -22n)]), '-EINVAL');
    assert.equal(fmt('%pe', [BigInt.asUintN(64, -12n)]), '-ENOMEM');
    assert.equal(fmt('%pe', [BigInt.asUintN(64, -4000n)]), '-4000');
    assert.equal(fmt('%pe', [P]), 'ffff888003c4a0f0');
  });

  test('%ph hex dumps', () => {
    const p = str('\x01\x02\xab');
    assert.equal(fmt('%ph', [p]), '01');
    assert.equal(fmt('%*ph', [3, p]), '01 02 c2'); // 'ab' as UTF-8 is c2 ab
    assert.equal(fmt('%*phC|%*phD|%*phN', [2, p, 2, p, 2, p]), '01:02|01-02|0102');
    assert.equal(fmt('%*ph', [2, 0]), '(null)');
  });
});

describe('va_list arguments', () => {
  test('registers while gp_offset < 48, then the overflow area', () => {
    // A fake memory: va_list at 0x1000, register save area at 0x2000, overflow at 0x3000.
    const mem = new Map<bigint, bigint>();
    mem.set(0x1000n, 32n); // gp_offset: four register slots already used
    mem.set(0x1008n, 0x3000n);
    mem.set(0x1010n, 0x2000n);
    mem.set(0x2020n, 5n);
    mem.set(0x2028n, BigInt.asUintN(64, -6n));
    mem.set(0x3000n, 7n);
    mem.set(0x3008n, 8n);
    const args: ArgSource = new VaListArgs((a) => mem.get(a) ?? 0n, (a) => Number(mem.get(a) ?? 0n), 0x1000n);
    assert.equal(Buffer.from(formatKernel(Buffer.from('%d %d %d %d'), args, env, 100).bytes).toString(), '5 -6 7 8');
  });
});

describe('printk prefixes', () => {
  test('levels, KERN_CONT, defaults', () => {
    assert.deepEqual(parsePrintkPrefix(Buffer.from('\x016hello')), { level: 6, cont: false, skip: 2 });
    assert.deepEqual(parsePrintkPrefix(Buffer.from('hello')), { level: -1, cont: false, skip: 0 });
    assert.deepEqual(parsePrintkPrefix(Buffer.from('\x01chello')), { level: -1, cont: true, skip: 2 });
    assert.deepEqual(parsePrintkPrefix(Buffer.from('\x013\x016x')), { level: 3, cont: false, skip: 4 });
    assert.deepEqual(parsePrintkPrefix(Buffer.from('\x01c\x014x')), { level: 4, cont: true, skip: 4 });
    assert.deepEqual(parsePrintkPrefix(Buffer.from('\x01zx')), { level: -1, cont: false, skip: 0 });
  });
});

describe('kstrto* and get_random_u32_below', () => {
  const k = (s: string, base: number, signed: boolean): bigint | number => kstrto(Buffer.from(s), base, signed);
  test('kstrtoull/kstrtoll', () => {
    assert.equal(k('42', 10, false), 42n);
    assert.equal(k('+42\n', 10, false), 42n);
    assert.equal(k('0x1F', 0, false), 31n);
    assert.equal(k('0x1f', 16, false), 31n);
    assert.equal(k('017', 0, false), 15n);
    assert.equal(k('-5', 10, true), -5n);
    assert.equal(k('-5', 10, false), -22);
    assert.equal(k('', 10, false), -22);
    assert.equal(k('12a', 10, false), -22);
    assert.equal(k('42\n\n', 10, false), -22);
    assert.equal(k('18446744073709551615', 10, false), (1n << 64n) - 1n);
    assert.equal(k('18446744073709551616', 10, false), -34);
    assert.equal(k('9223372036854775808', 10, true), -34);
    assert.equal(k('-9223372036854775808', 10, true), -(1n << 63n));
  });

  test('get_random_u32_below is uniform-ish and below the ceiling', () => {
    let x = 12345;
    const next = (): number => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return x; };
    const counts = new Array(7).fill(0);
    for (let i = 0; i < 7000; i++) counts[randomBelow(next, 7)]++;
    for (const c of counts) assert.ok(c > 800 && c < 1200, String(counts));
    assert.equal(randomBelow(() => 0xffffffff, 1), 0);
    assert.equal(randomBelow(() => 0xdeadbeef, 0), 0xdeadbeef);
  });
});
