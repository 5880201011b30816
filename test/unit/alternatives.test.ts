// Which .altinstructions entries the loader applies: features as our CPUID
// claims them (x86-64-v2, no AVX), never Xen PV, always ALWAYS; Linux's
// synthesized features are left alone (the original code is kept).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasFeature } from '../../simulator/kernel/abi/alternatives';

const F = (word: number, bit: number): number => word * 32 + bit;

test('alternatives: CPUID-backed features follow our CPUID', () => {
  assert.equal(hasFeature(F(0, 15)), true, 'CMOV');
  assert.equal(hasFeature(F(0, 26)), true, 'XMM2');
  assert.equal(hasFeature(F(4, 20)), true, 'XMM4_2');
  assert.equal(hasFeature(F(4, 23)), true, 'POPCNT');
  assert.equal(hasFeature(F(1, 29)), true, 'LM');
  assert.equal(hasFeature(F(6, 5)), true, 'ABM');
  assert.equal(hasFeature(F(4, 28)), false, 'AVX');
  assert.equal(hasFeature(F(4, 31)), false, 'HYPERVISOR');
  assert.equal(hasFeature(F(9, 5)), false, 'AVX2');
  assert.equal(hasFeature(F(9, 3)), false, 'BMI1');
});

test('alternatives: bare metal, not Xen PV; synthesized features are unknown', () => {
  assert.equal(hasFeature(F(3, 21)), true, 'ALWAYS');
  assert.equal(hasFeature(F(8, 16)), false, 'XENPV');
  assert.equal(hasFeature(F(7, 12)), undefined, 'a word-7 (Linux-defined) feature');
  assert.equal(hasFeature(F(11, 12)), undefined, 'RETPOLINE');
});
