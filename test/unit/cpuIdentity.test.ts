// What a user program learns about the simulated CPU: CPUID's vendor is
// GenuineIntel (family 6 model 0x1a, Nehalem, the first Intel core with all
// of x86-64-v2), so libgcc's __builtin_cpu_supports/__builtin_cpu_is decode
// our feature bits — and agree with CPUID read directly for every feature,
// v2 ones present, v3 ones absent — while the brand string names the
// simulator. Run with musl and with glibc (whose ifunc selection reads the
// same bits) under `ksw exec`.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { nativeWorkspace } from './nativeRuns';
import { have } from '../tools';

const ROOT = resolve(__dirname, '../../..');
const BIN = join(ROOT, 'bin/ksw');
const { build } = nativeWorkspace('ksw-cpuid-', after);

const PROGRAM = `#include <cpuid.h>
#include <stdio.h>
#include <string.h>
static int bit(unsigned leaf, int reg, int b) {
  unsigned r[4];
  if (!__get_cpuid(leaf, &r[0], &r[1], &r[2], &r[3])) return 0;
  return (r[reg] >> b) & 1;
}
int main(void) {
  __builtin_cpu_init();
  enum { A, B, C, D };
  struct { const char *name; int builtin, cpuid; } f[] = {
    { "sse", __builtin_cpu_supports("sse"), bit(1, D, 25) },
    { "sse2", __builtin_cpu_supports("sse2"), bit(1, D, 26) },
    { "cmov", __builtin_cpu_supports("cmov"), bit(1, D, 15) },
    { "sse3", __builtin_cpu_supports("sse3"), bit(1, C, 0) },
    { "ssse3", __builtin_cpu_supports("ssse3"), bit(1, C, 9) },
    { "sse4.1", __builtin_cpu_supports("sse4.1"), bit(1, C, 19) },
    { "sse4.2", __builtin_cpu_supports("sse4.2"), bit(1, C, 20) },
    { "popcnt", __builtin_cpu_supports("popcnt"), bit(1, C, 23) },
    { "cmpxchg16b", __builtin_cpu_supports("cmpxchg16b"), bit(1, C, 13) },
    { "lzcnt", __builtin_cpu_supports("lzcnt"), bit(0x80000001, C, 5) },
    { "avx", __builtin_cpu_supports("avx"), bit(1, C, 28) },
    { "fma", __builtin_cpu_supports("fma"), bit(1, C, 12) },
    { "movbe", __builtin_cpu_supports("movbe"), bit(1, C, 22) },
    { "aes", __builtin_cpu_supports("aes"), bit(1, C, 25) },
    { "pclmul", __builtin_cpu_supports("pclmul"), bit(1, C, 1) },
    { "avx2", __builtin_cpu_supports("avx2"), bit(7, B, 5) },
    { "bmi", __builtin_cpu_supports("bmi"), bit(7, B, 3) },
    { "bmi2", __builtin_cpu_supports("bmi2"), bit(7, B, 8) },
  };
  for (unsigned i = 0; i < sizeof f / sizeof f[0]; i++) printf("%s %d %d\\n", f[i].name, !!f[i].builtin, f[i].cpuid);
  printf("x86-64-v2 %d\\nx86-64-v3 %d\\n", !!__builtin_cpu_supports("x86-64-v2"), !!__builtin_cpu_supports("x86-64-v3"));
  printf("is intel=%d amd=%d corei7=%d nehalem=%d\\n", !!__builtin_cpu_is("intel"), !!__builtin_cpu_is("amd"),
         !!__builtin_cpu_is("corei7"), !!__builtin_cpu_is("nehalem"));
  unsigned r[4];
  char brand[49] = {0};
  for (unsigned l = 0; l < 3; l++) { __get_cpuid(0x80000002 + l, &r[0], &r[1], &r[2], &r[3]); memcpy(brand + 16 * l, r, 16); }
  printf("brand %s\\n", brand);
  return 0;
}
`;

const V2 = ['sse', 'sse2', 'cmov', 'sse3', 'ssse3', 'sse4.1', 'sse4.2', 'popcnt', 'cmpxchg16b', 'lzcnt'];
const ABSENT = ['avx', 'fma', 'movbe', 'aes', 'pclmul', 'avx2', 'bmi', 'bmi2'];

describe('CPU identity', () => {
  for (const cc of ['musl-gcc', 'gcc'] as const) {
    test(`__builtin_cpu_supports agrees with CPUID for every feature; v2 present, v3 absent; Intel Nehalem; the brand names ksw (${cc})`, {
      skip: have(cc) ? false : `${cc} not installed`,
    }, () => {
      const bin = build(cc, PROGRAM, `identity-${cc}`, ['-static', '-O2']);
      const r = spawnSync(process.execPath, [BIN, 'exec', bin], { encoding: 'utf8', input: '', timeout: 120_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '');
      const lines = r.stdout.trim().split('\n');
      const seen = new Map(lines.filter((l) => /^\S+ \d -?\d$/.test(l)).map((l) => [l.split(' ')[0], l.split(' ').slice(1).map(Number)]));
      for (const f of [...V2, ...ABSENT]) {
        const [builtin, viaCpuid] = seen.get(f) ?? [];
        assert.equal(builtin, viaCpuid, `${f}: __builtin_cpu_supports says ${builtin}, CPUID says ${viaCpuid}`);
        assert.equal(builtin, V2.includes(f) ? 1 : 0, f);
      }
      assert.ok(lines.includes('x86-64-v2 1') && lines.includes('x86-64-v3 0'), r.stdout);
      assert.ok(lines.includes('is intel=1 amd=0 corei7=1 nehalem=1'), r.stdout);
      assert.ok(lines.includes('brand KStackWatch Studio simulated x86-64-v2 CPU'), r.stdout);
    });
  }
});
