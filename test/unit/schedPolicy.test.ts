// The interleaving policy (simulator/kernel/schedPolicy.ts): its syntax as
// `ksw run --sched` and launch.json "sched" take it, refusals with the
// reason, and the quantum draw — long quanta from the machine's PRNG as
// before, short rounds from a second stream, the same for the same seed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COARSE_POLICY, DEFAULT_SCHED_POLICY, FINE_POLICY, formatSchedPolicy, parseSchedPolicy, QuantumDraw, SchedPolicyError } from '../../simulator/kernel/schedPolicy';
import { Prng } from '../../simulator/kernel/prng';
import { parseRunArgs, RunArgsError } from '../../simulator/cli/runArgs';
import { LaunchError, parseLaunchArgs } from '../../simulator/debug/launchConfig';

test('presets and keys: fine is the default, coarse is the old 500–1999 quanta, keys adjust a preset', () => {
  assert.deepEqual(DEFAULT_SCHED_POLICY, FINE_POLICY);
  assert.deepEqual(parseSchedPolicy('coarse'), { quantumMin: 500, quantumMax: 1999, finePercent: 0, fineMax: 1 });
  assert.deepEqual(parseSchedPolicy('fine'), FINE_POLICY);
  assert.deepEqual(parseSchedPolicy('coarse, fine=25%'), { ...COARSE_POLICY, finePercent: 25 });
  assert.deepEqual(parseSchedPolicy('quantum=20-200,fine=0'), { ...FINE_POLICY, quantumMin: 20, quantumMax: 200, finePercent: 0 });
  assert.deepEqual(parseSchedPolicy('quantum=1'), { ...FINE_POLICY, quantumMin: 1, quantumMax: 1 });
  const p = parseSchedPolicy('fine=50,fine-max=4');
  assert.deepEqual(parseSchedPolicy(formatSchedPolicy(p)), p);
});

test('bad policies are refused with the reason', () => {
  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['fast', /unknown 'fast'/],
    ['fine=101', /fine: '101' is not a number in 0\.\.100/],
    ['quantum=200-20', /MIN above MAX/],
    ['quantum=0-5', /quantum: '0' is not a number in 1\.\./],
    ['quantum=a-b', /not MIN-MAX/],
    ['fine-max=0', /fine-max/],
    ['fine=10,coarse', /preset 'coarse' must come first/],
  ];
  for (const [spec, reason] of bad) assert.throws(() => parseSchedPolicy(spec), (e: Error) => e instanceof SchedPolicyError && reason.test(e.message), spec);
});

test('ksw run --sched and launch.json "sched" take the policy; bad ones are one-line reasons', () => {
  assert.deepEqual(parseRunArgs(['m.o']).sched, FINE_POLICY);
  assert.deepEqual(parseRunArgs(['m.o', '--sched', 'coarse']).sched, COARSE_POLICY);
  assert.deepEqual(parseRunArgs(['m.o', '--sched=quantum=10-20']).sched, { ...FINE_POLICY, quantumMin: 10, quantumMax: 20 });
  assert.throws(() => parseRunArgs(['m.o', '--sched']), (e: Error) => e instanceof RunArgsError && /--sched needs a policy/.test(e.message));
  assert.throws(() => parseRunArgs(['m.o', '--sched', 'fine=200']), (e: Error) => e instanceof RunArgsError && /^--sched fine: '200'/.test(e.message));
  assert.deepEqual(parseLaunchArgs({ program: '/w/m.c' }).sched, FINE_POLICY);
  assert.deepEqual(parseLaunchArgs({ program: '/w/m.c', sched: 'coarse' }).sched, COARSE_POLICY);
  assert.throws(() => parseLaunchArgs({ program: '/w/m.c', sched: 3 }), (e: Error) => e instanceof LaunchError && /'sched' must be a string/.test(e.message));
  assert.throws(() => parseLaunchArgs({ program: '/w/m.c', sched: 'sometimes' }), (e: Error) => e instanceof LaunchError && /^'sched': unknown 'sometimes'/.test(e.message));
});

/** `rounds` rounds of `cpus` quanta: the lengths, and what the machine's PRNG gave after. */
function draws(spec: string, seed: number, rounds = 2000, cpus = 4): { fine: number; long: number[]; short: number[]; mainAfter: number } {
  const draw = new QuantumDraw(parseSchedPolicy(spec), seed);
  const main = new Prng(seed);
  const out = { fine: 0, long: [] as number[], short: [] as number[], mainAfter: 0 };
  for (let r = 0; r < rounds; r++) {
    const fine = draw.fineRound();
    if (fine) out.fine++;
    for (let c = 0; c < cpus; c++) (fine ? out.short : out.long).push(draw.next(main, fine));
  }
  out.mainAfter = main.nextU32();
  return out;
}

test('the draw: short rounds at the policy\'s rate, lengths in range, the machine\'s PRNG drawn once per quantum whatever the policy', () => {
  const fine = draws('fine', 7);
  assert.ok(fine.fine > 1500 && fine.fine < 1700, `${fine.fine} short rounds of 2000 at fine=80`);
  assert.ok(fine.short.every((q) => q >= 1 && q <= 16) && new Set(fine.short).size === 16);
  assert.ok(fine.long.every((q) => q >= 500 && q <= 1999));
  const coarse = draws('coarse', 7);
  assert.equal(coarse.fine, 0);
  assert.ok(coarse.long.every((q) => q >= 500 && q <= 1999));
  // the guest's random numbers and canaries come from the machine's PRNG: the policy does not move it
  assert.equal(fine.mainAfter, coarse.mainAfter);
  assert.deepEqual(draws('fine', 7), fine, 'same seed, same draw');
  assert.notDeepEqual(draws('fine', 8).short, fine.short);
});
