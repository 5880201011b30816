// #DE and #UD: the simulator must raise a CpuFault with the right vector,
// RIP at the faulting instruction and no side effects. The same program is
// run natively first to show that the scenario really faults on hardware.

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { arch } from 'node:os';
import { CpuFault, DivideError, InvalidOpcode, Vector } from '../../simulator/cpu/faults';
import { parseElf } from './elf';
import { FAULT_SCENARIOS, renderFaultProgram } from './faults';
import { assembleStatic, haveGcc } from './native';
import { loadProgram } from './sim';

const canAssemble = haveGcc();
const canRunNative = arch() === 'x64' && process.platform === 'linux' && canAssemble;

let exePath: string | undefined;
const exe = (): string => (exePath ??= assembleStatic(renderFaultProgram()));

FAULT_SCENARIOS.forEach((s, i) => {
  const letter = String.fromCharCode(97 + i);

  if (s.nativeSignal) {
    test(`native: ${s.name} raises ${s.nativeSignal}`, { skip: !canRunNative && 'needs an x86-64 Linux host with gcc' }, () => {
      const r = spawnSync(exe(), [letter]);
      assert.equal(r.signal, s.nativeSignal, `exit status ${r.status}`);
    });
  }

  test(`simulator: ${s.name} raises vector ${s.vector} at the instruction`, { skip: !canAssemble && 'needs gcc' }, () => {
    const elf = parseElf(new Uint8Array(readFileSync(exe())));
    const { cpu } = loadProgram(elf);
    const faultAt = elf.symbol(`f_${s.name}`);
    cpu.rip = elf.symbol(`t_${s.name}`);
    const r = cpu.run(1000);
    assert.equal(r.kind, 'fault', `'${s.faulting}' did not fault in the simulator (run result '${r.kind}')`);
    if (r.kind !== 'fault') return;
    assert.ok(r.fault instanceof CpuFault, 'fault is not a CpuFault');
    const expectedClass = s.vector === Vector.DE ? DivideError : InvalidOpcode;
    assert.ok(r.fault instanceof expectedClass, `fault should be a ${expectedClass.name}, got ${r.fault.constructor.name}`);
    assert.equal(r.fault.vector, s.vector, `vector (${r.fault.message})`);
    assert.equal(r.fault.rip, faultAt, `fault.rip should be the address of '${s.faulting}'`);
    assert.equal(cpu.rip, faultAt, `cpu.rip should stay at '${s.faulting}'`);
    for (const [reg, value] of Object.entries(s.preserved)) {
      assert.equal(cpu.getReg(Number(reg)), value, `register ${reg} changed by the faulting instruction`);
    }
  });
});
