// Differential test: the simulated CPU against the host CPU (x86-64). Every
// case (see cases.ts) is assembled into one static no-libc executable, which
// runs natively and, unchanged, in the simulator (sim.ts); the final states
// must agree except for architecturally undefined flags/registers (flags.ts).
// One subtest per instruction family.

import test from 'node:test';
import assert from 'node:assert/strict';
import { arch } from 'node:os';
import { DiffCase, familiesOf, generateCases } from './cases';
import { decodeState, MEM_OFF } from './layout';
import { buildHarness, haveGcc, hostLacks, HarnessBuild, runNative } from './native';
import { runHarnessInSimulator, SimulatorRun } from './sim';
import { diffStates, faultProblem, formatMismatch } from './compare';

/** How many failing cases of a family are printed in full (env KSW_DIFF_SHOW overrides). */
const SHOWN_PER_FAMILY = Number(process.env.KSW_DIFF_SHOW ?? 4);

/** "lock addl %eax, (%rbx)" -> "lock addl"; first line only. */
function mnemonicOf(asm: string): string {
  const words = asm.split('\n')[0].split(/\s+/);
  return /^(lock|rep|repe|repne|addr32)$/.test(words[0]) ? words.slice(0, 2).join(' ') : words[0];
}

const canRunNative = arch() === 'x64' && process.platform === 'linux' && haveGcc();
const SKIP = !canRunNative && 'needs an x86-64 Linux host with gcc';

let prepared: { cases: DiffCase[]; build: HarnessBuild; native: Uint8Array } | undefined;
function prepare(): NonNullable<typeof prepared> {
  if (!prepared) {
    const cases = generateCases();
    const build = buildHarness(cases);
    prepared = { cases, build, native: runNative(build) };
  }
  return prepared;
}

test('native harness: builds, runs deterministically, self-check cases', { skip: SKIP }, () => {
  const { cases, build, native } = prepare();
  assert.deepEqual(runNative(build), native, 'two native runs differ');
  for (const c of cases) {
    if (!c.expect) continue;
    const out = decodeState(native, build.stateOffsets[c.index]);
    for (const [r, v] of c.expect) assert.equal(out.gpr[r], v, `harness self-check: ${c.asm}, register ${r}`);
    if (c.expectMxcsr !== undefined) assert.equal(out.mxcsr, c.expectMxcsr, `harness self-check: ${c.asm}, MXCSR`);
  }
});

test('simulated CPU matches the host CPU', { skip: SKIP }, async (t) => {
  const { cases, build, native } = prepare();
  let sim: SimulatorRun | undefined;
  let simError: unknown;
  try {
    sim = runHarnessInSimulator(build.elf);
    t.diagnostic(`${cases.length} cases, ${sim.insns} simulated instructions in ${sim.seconds.toFixed(2)} s`);
  } catch (e) {
    simError = e;
  }
  const lacking = hostLacks();
  if (lacking.size) t.diagnostic(`host CPU lacks ${[...lacking].join(', ')}: those cases are not compared`);

  for (const family of familiesOf(cases)) {
    await t.test(family, () => {
      if (!sim) throw simError;
      assert.equal(sim.output.length, native.length, 'simulated harness output has the wrong length');
      const members = cases.filter((c) => c.family === family && !lacking.has(mnemonicOf(c.asm).replace(/[wlq]$/, '')));
      const failures: string[] = [];
      const failingMnemonics = new Map<string, number>();
      for (const c of members) {
        const at = build.stateOffsets[c.index];
        const input = decodeState(build.initialStates, at);
        const fault = sim.faults.get(c.index);
        const codeEnd = c.index + 1 < cases.length ? `c${c.index + 1}` : 'cases_end';
        const code: [bigint, bigint] = [build.elf.symbol(`c${c.index}`), build.elf.symbol(codeEnd)];
        const problems = fault ? faultProblem(fault, code) : diffStates(c, decodeState(native, at), decodeState(sim.output, at));
        if (problems.length === 0) continue;
        const memAddr = build.statesAddr + BigInt(at + MEM_OFF);
        failures.push(formatMismatch(c, input, memAddr, problems));
        const mnemonic = mnemonicOf(c.asm);
        failingMnemonics.set(mnemonic, (failingMnemonics.get(mnemonic) ?? 0) + 1);
      }
      if (failures.length) {
        const shown = failures.slice(0, SHOWN_PER_FAMILY).join('\n\n');
        const more = failures.length > SHOWN_PER_FAMILY ? `\n\n... and ${failures.length - SHOWN_PER_FAMILY} more` : '';
        const summary = [...failingMnemonics].map(([m, n]) => `${m} x${n}`).join(', ');
        assert.fail(`${failures.length} of ${members.length} '${family}' cases differ from the host CPU (${summary}):\n\n${shown}${more}`);
      }
    });
  }
});
