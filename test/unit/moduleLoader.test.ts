// Module loader: real gcc objects (test/guests/module_basic.c, compiled at
// test time with the `ksw cc` flags at -O2 and -O0) are loaded into guest
// memory, relocated against a small fake kernel, and their functions run on
// the simulated CPU; bad objects fail with one ModuleLoadError line.

import { after, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileModule } from '../../simulator/toolchain/compile';
import { Cpu } from '../../simulator/cpu/cpu';
import { Gpr } from '../../simulator/cpu/registers';
import { DebugInfo } from '../../simulator/dwarf/debugInfo';
import { ElfFile, SHT_RELA } from '../../simulator/elf/elfFile';
import { LoadedModule, loadModule, ModuleLoadError } from '../../simulator/elf/moduleLoader';
import { R_X86_64_PLT32 } from '../../simulator/elf/relocations';
import { Memory, Perm } from '../../simulator/memory/memory';
import { MODULE_AREA_START, PERCPU } from '../../simulator/sdk/abi';
import { skipUnless } from '../tools';

const ROOT = path.resolve(__dirname, '../../..');
const GUESTS = path.join(ROOT, 'test/guests');
const NO_GCC = skipUnless('gcc');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-module-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const compiled = new Map<string, Uint8Array>();
/** Compile a guest with the ksw cc flags plus `cflags`; cached per combination. */
function guest(name: string, cflags: string[] = []): Uint8Array {
  const key = [name, ...cflags].join(' ');
  const hit = compiled.get(key);
  if (hit) return hit;
  const out = path.join(tmp, `${name}-${compiled.size}.o`);
  const r = compileModule(path.join(GUESTS, `${name}.c`), { output: out, cflags });
  if ('error' in r) assert.fail(`${r.error}\n${r.diagnostics}`);
  const bytes = fs.readFileSync(r.objectPath);
  compiled.set(key, bytes);
  return bytes;
}

// ---- a fake kernel: exports as tiny machine-code stubs -----------------------------

const STUBS = 0xffffffff81000000n;
const KDATA = 0xffffffff82000000n;
const PERCPU_AREA = 0xffffffff83000000n;
const HALT = 0xffffffff84000000n;
const STACK = 0xffffc90000000000n;
const JIFFIES = 1234n;
const RANDOM = 42n;

interface FakeKernel { mem: Memory; exports: Map<string, bigint>; resolve: (name: string) => bigint | undefined }

function fakeKernel(missing: readonly string[] = []): FakeKernel {
  const mem = new Memory(64 << 20);
  mem.map(STUBS, 0x10000, Perm.RX);
  mem.map(KDATA, 0x1000, Perm.RW);
  mem.map(PERCPU_AREA, 0x1000, Perm.RW);
  mem.map(HALT, 0x1000, Perm.RX);
  mem.map(STACK, 0x4000, Perm.RW);
  mem.write(HALT, Uint8Array.of(0xf4), true); // hlt: where the called function returns to
  mem.writeU64(KDATA, JIFFIES, true);
  const exports = new Map<string, bigint>();
  const resolve = (name: string): bigint | undefined => {
    if (missing.includes(name)) return undefined;
    const known = exports.get(name);
    if (known !== undefined) return known;
    if (name === 'jiffies') { exports.set(name, KDATA); return KDATA; }
    const at = STUBS + BigInt(exports.size * 16);
    // get_random_u32: mov eax, 42; ret. Everything else: xor eax, eax; ret.
    const code = name === 'get_random_u32' ? [0xb8, Number(RANDOM), 0, 0, 0, 0xc3] : [0x31, 0xc0, 0xc3];
    mem.write(at, Uint8Array.from(code), true);
    exports.set(name, at);
    return at;
  };
  return { mem, exports, resolve };
}

/** Call a guest function with the SysV ABI; it returns to a hlt. */
function callGuest(mem: Memory, fn: bigint, args: bigint[] = [], canary = 0x1122334455667788n): { rax: bigint; cpu: Cpu } {
  const cpu = new Cpu(mem);
  cpu.gsBase = PERCPU_AREA;
  mem.writeU64(PERCPU_AREA + BigInt(PERCPU.STACK_CANARY), canary, true);
  const sp = STACK + 0x4000n - 8n; // rsp ≡ 8 (mod 16) at entry, as after a call
  mem.writeU64(sp, HALT, true);
  cpu.setReg(Gpr.RSP, sp);
  const regs = [Gpr.RDI, Gpr.RSI, Gpr.RDX, Gpr.RCX];
  args.forEach((a, i) => cpu.setReg(regs[i], a));
  cpu.rip = fn;
  const r = cpu.run(1_000_000);
  assert.equal(r.kind, 'halt', `guest did not return: ${JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? v.toString(16) : v))}`);
  return { rax: cpu.getReg(Gpr.RAX), cpu };
}

function load(bytes: Uint8Array, k = fakeKernel()): { mod: LoadedModule; k: FakeKernel } {
  return { mod: loadModule(k.mem, bytes, { name: 'basic', resolve: k.resolve }), k };
}

function addr(mod: LoadedModule, name: string): bigint {
  const s = mod.symbol(name);
  assert.ok(s, `symbol ${name}`);
  return s.address;
}

function expectLoadError(fn: () => unknown, pattern: RegExp): ModuleLoadError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ModuleLoadError, `expected ModuleLoadError, got ${(e as Error).name}: ${(e as Error).message}`);
    assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
    assert.match(e.message, pattern);
    return e;
  }
  assert.fail(`expected a ModuleLoadError matching ${pattern}`);
}

// ---- loading and running ---------------------------------------------------------

for (const opt of ['-O2', '-O0']) {
  describe(`module_basic.c at ${opt}`, { skip: NO_GCC }, () => {
    test('sections land in the module area, grouped by permission', () => {
      const { mod, k } = load(guest('module_basic', [opt]));
      assert.equal(mod.base, MODULE_AREA_START);
      const text = mod.sectionByName('.text')!, data = mod.sectionByName('.data')!, bss = mod.sectionByName('.bss');
      assert.equal(text.perm, Perm.RX);
      assert.equal(data.perm, Perm.RW);
      if (bss) assert.equal(bss.perm, Perm.RW);
      const rodata = mod.sections.find((s) => s.name.startsWith('.rodata'))!;
      assert.equal(rodata.perm, Perm.R);
      for (const s of mod.sections) assert.ok(mod.contains(s.address), s.name);
      for (const r of mod.regions) assert.equal(r.address % 4096n, 0n);
      assert.deepEqual(mod.regions.map((r) => r.perm), [Perm.RX, Perm.R, Perm.RW]);
      // Text is executable and read-only: a guest write to it faults.
      assert.throws(() => k.mem.write(text.address, Uint8Array.of(0x90)), /fault|Page/i);
      // The page after the module stays unmapped (guard page).
      assert.equal(k.mem.isMapped(mod.base + BigInt(mod.size)), false);
    });

    test('a call to an exported function lands at the resolver\'s address', () => {
      const { mod, k } = load(guest('module_basic', [opt]));
      const elf = ElfFile.parse(guest('module_basic', [opt]));
      const syms = elf.symbols();
      const text = mod.sectionByName('.text')!;
      const relaText = elf.relocationSections().find((r) => r.section.name === '.rela.text')!;
      const call = relaText.entries.find((r) => r.type === R_X86_64_PLT32 && syms[r.symIndex].name === 'get_random_u32');
      assert.ok(call, 'a PLT32 relocation for get_random_u32');
      const p = text.address + call.offset;
      const rel = BigInt(k.mem.readU32(p, true) | 0);
      assert.equal(p + 4n + rel, k.exports.get('get_random_u32'));
      // And it runs: x + get_random_u32() + threshold.
      assert.equal(callGuest(k.mem, addr(mod, 'basic_call'), [5n]).rax, 5n + RANDOM + 7n);
    });

    test('module data: R_X86_64_64 pointers point into the module, 32S and PC32 accesses work', () => {
      const { mod, k } = load(guest('module_basic', [opt]));
      const tablePtr = k.mem.readU64(addr(mod, 'table_ptr'), true);
      assert.equal(tablePtr, addr(mod, 'table') + 16n);
      assert.ok(mod.contains(tablePtr));
      assert.equal(callGuest(k.mem, addr(mod, 'basic_table'), [1n]).rax, 20n + 30n);
      assert.equal(callGuest(k.mem, addr(mod, 'basic_jiffies')).rax, JIFFIES + 1n);
    });

    test('the stack-protected function runs with the canary at %gs:0x28', () => {
      const { mod, k } = load(guest('module_basic', [opt]));
      // buf[i] = n + i; returns buf[n] + buf[n + 1].
      const canary = 0x5ca1ab1e0ddba11n;
      assert.equal(callGuest(k.mem, addr(mod, 'basic_canary'), [3n], canary).rax, 6n + 7n);
      // The prologue copied the canary from the per-CPU area into the frame.
      const stack = k.mem.read(STACK, 0x4000, true);
      const words = new BigUint64Array(stack.buffer, stack.byteOffset, stack.length / 8);
      assert.ok(words.includes(canary), 'the canary was stored in the frame');
    });

    test('module_init and module_exit are found; init runs', () => {
      const { mod, k } = load(guest('module_basic', [opt]));
      assert.equal(mod.initAddress, addr(mod, 'basic_init'));
      assert.equal(mod.exitAddress, addr(mod, 'basic_exit'));
      assert.equal(callGuest(k.mem, mod.initAddress!).rax & 0xffffffffn, 0n);
      assert.equal(k.mem.readU64(addr(mod, 'call_ptr'), true), addr(mod, 'basic_call'));
      callGuest(k.mem, mod.exitAddress!); // BUG_ON(call_ptr != basic_call) does not fire
    });

    test('module parameters: name, type, address, size, permissions', () => {
      const { mod, k } = load(guest('module_basic', [opt]));
      const byName = new Map(mod.params.map((p) => [p.name, p]));
      assert.deepEqual([...byName.keys()], ['label', 'limit', 'threshold', 'verbose']);
      assert.deepEqual({ ...byName.get('threshold')!, address: 0n }, { name: 'threshold', type: 'int', address: 0n, size: 4, perm: 0o644 });
      assert.equal(byName.get('threshold')!.address, addr(mod, 'threshold'));
      assert.equal(byName.get('label')!.type, 'charp');
      assert.equal(byName.get('label')!.size, 8);
      assert.equal(byName.get('limit')!.type, 'ulong');
      assert.equal(byName.get('verbose')!.type, 'bool');
      assert.equal(byName.get('verbose')!.size, 1);
      // Setting a parameter before init is a plain write: init then sees it.
      k.mem.write(byName.get('threshold')!.address, Uint8Array.of(9, 0, 0, 0), true);
      assert.equal(callGuest(k.mem, addr(mod, 'basic_call'), [1n]).rax, 1n + RANDOM + 9n);
      // The default of a charp parameter is a pointer to a string in the module.
      const label = k.mem.readU64(byName.get('label')!.address, true);
      assert.equal(k.mem.readCString(label), 'basic');
      assert.deepEqual(mod.modinfo.get('license'), ['GPL']);
      assert.deepEqual(mod.modinfo.get('parm'), ['threshold:added by basic_call']);
    });

    test('BUG/WARN records point at ud2 instructions with file and line', () => {
      const { mod, k } = load(guest('module_basic', [opt]));
      const source = fs.readFileSync(path.join(GUESTS, 'module_basic.c'), 'utf8').split('\n');
      const lineOf = (text: string) => source.findIndex((l) => l.includes(text)) + 1;
      assert.equal(mod.bugs.length, 2);
      const warn = mod.bugs.find((b) => b.warning)!, bug = mod.bugs.find((b) => !b.warning)!;
      assert.equal(warn.line, lineOf('WARN_ON(threshold'));
      assert.equal(bug.line, lineOf('BUG_ON(call_ptr'));
      assert.match(warn.file, /module_basic\.c$/);
      for (const b of mod.bugs) assert.deepEqual([...k.mem.read(b.address, 2, true)], [0x0f, 0x0b]);
      assert.match(mod.symbolize(warn.address)!, /^basic_init(\.cold)?\+0x[0-9a-f]+\/0x[0-9a-f]+$/);
    });

    test('symbolize gives name+0xoff/0xsize like %pS', () => {
      const { mod } = load(guest('module_basic', [opt]));
      const fn = mod.symbol('basic_table')!;
      assert.equal(fn.type, 'func');
      assert.ok(fn.size > 0);
      assert.equal(mod.symbolize(fn.address), `basic_table+0x0/0x${fn.size.toString(16)}`);
      assert.equal(mod.symbolize(fn.address + 3n), `basic_table+0x3/0x${fn.size.toString(16)}`);
      assert.equal(mod.symbolize(fn.address + BigInt(fn.size) - 1n)?.startsWith('basic_table+'), true);
      assert.equal(mod.symbolize(addr(mod, 'table') + 8n), 'table+0x8/0x20');
      assert.equal(mod.symbolize(0xffffffff81000000n), undefined);
      const sorted = mod.symbols.map((s) => s.address);
      assert.deepEqual(sorted, [...sorted].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    });
  });
}

describe('module_basic.c at -O2: the cold path', { skip: NO_GCC }, () => {
  test('gcc splits basic_init into .text.unlikely; both parts symbolize', () => {
    const { mod } = load(guest('module_basic', ['-O2']));
    const cold = mod.symbol('basic_init.cold');
    assert.ok(cold, 'basic_init.cold exists');
    assert.equal(mod.sectionAt(cold.address)?.name, '.text.unlikely');
    assert.match(mod.symbolize(cold.address + 1n)!, /^basic_init\.cold\+0x1\//);
    // Debug info places the cold part in basic_init, on the panic line.
    const dbg = DebugInfo.forModule(mod, { strict: true });
    assert.equal(dbg.functionAt(cold.address)?.name, 'basic_init');
    const source = fs.readFileSync(path.join(GUESTS, 'module_basic.c'), 'utf8').split('\n');
    assert.equal(dbg.lineFor(cold.address)?.line, source.findIndex((l) => l.includes('panic("basic')) + 1);
    // And each BUG/WARN's ud2 is on the line its record names.
    for (const b of mod.bugs) assert.equal(dbg.lineFor(b.address)?.line, b.line);
  });
});

test('the canary load is mov %gs:0x28 (objdump)', { skip: skipUnless('gcc', 'objdump') }, () => {
  for (const opt of ['-O2', '-O0']) {
    const file = path.join(tmp, `canary${opt}.o`);
    fs.writeFileSync(file, guest('module_basic', [opt]));
    const r = spawnSync('objdump', ['-d', '--no-show-raw-insn', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const body = r.stdout.split(/\n(?=[0-9a-f]+ <)/).find((b) => /^[0-9a-f]+ <basic_canary>:/.test(b));
    assert.ok(body, 'basic_canary disassembly');
    assert.match(body, /mov\s+%gs:0x28,%r\w+/, `${opt}:\n${body}`);
    assert.match(body, /(sub|xor|cmp)\s+%gs:0x28,%r\w+/, `${opt}: the check on return`);
    assert.match(body, /call\s+\S*\s*<?(__stack_chk_fail|[^>]*)/);
  }
});

// ---- errors ------------------------------------------------------------------

describe('load errors', { skip: NO_GCC }, () => {
  test('every unresolved symbol is named in one error, and nothing stays mapped', () => {
    const k = fakeKernel(['get_random_u32', '_printk', 'panic']);
    const e = expectLoadError(() => loadModule(k.mem, guest('module_basic'), { resolve: k.resolve }),
      /^unresolved symbols: /);
    assert.deepEqual([...e.unresolved].sort(), ['_printk', 'get_random_u32', 'panic']);
    assert.equal(e.message, `unresolved symbols: ${e.unresolved.join(', ')}`);
    assert.equal(k.mem.isMapped(MODULE_AREA_START), false);
    const one = fakeKernel(['panic']);
    expectLoadError(() => loadModule(one.mem, guest('module_basic'), { resolve: one.resolve }), /^unresolved symbol: panic$/);
  });

  test('a relocation that does not fit is an error naming it', () => {
    // Placed above 4 GiB, the module's 32S absolute addresses cannot be encoded.
    const k = fakeKernel();
    // (The exports are placed near it, so that PC-relative calls still reach them.)
    expectLoadError(() => loadModule(k.mem, guest('module_basic'), { resolve: () => 0x108000000n, areaStart: 0x100000000n, areaEnd: 0x200000000n }),
      /^R_X86_64_32S? value 0x[0-9a-f]+ does not fit in an? (un)?signed 32-bit field, in \.rela\.\S+ at offset 0x[0-9a-f]+/);
    // An export out of reach of a PC-relative call.
    const far = fakeKernel();
    expectLoadError(() => loadModule(far.mem, guest('module_basic'), { resolve: (n) => (n === 'get_random_u32' ? 0x7fff00000000n : far.resolve(n)) }),
      /R_X86_64_(PLT32|PC32) value -?0x[0-9a-f]+ does not fit in a signed 32-bit field, in \.rela\.text at offset 0x[0-9a-f]+ \(get_random_u32\)/);
    assert.equal(far.mem.isMapped(MODULE_AREA_START), false);
  });

  test('two modules get separate places', () => {
    const k = fakeKernel();
    const a = loadModule(k.mem, guest('module_basic'), { resolve: k.resolve, name: 'a' });
    const b = loadModule(k.mem, guest('module_basic'), { resolve: k.resolve, name: 'b' });
    assert.ok(b.base >= a.base + BigInt(a.size) + 4096n);
    assert.equal(callGuest(k.mem, b.symbol('basic_table')!.address, [0n]).rax, 10n + 30n);
    a.unload(k.mem);
    assert.equal(k.mem.isMapped(a.base), false);
    assert.equal(callGuest(k.mem, b.symbol('basic_table')!.address, [3n]).rax, 40n + 30n);
  });

  test('not an object: random bytes, an executable, another machine', () => {
    const k = fakeKernel();
    expectLoadError(() => loadModule(k.mem, Uint8Array.from({ length: 512 }, (_, i) => (i * 7919) & 0xff), { resolve: k.resolve }), /^not an ELF file$/);
    const hello = path.join(ROOT, 'examples/user/hello');
    if (fs.existsSync(hello)) {
      expectLoadError(() => loadModule(k.mem, fs.readFileSync(hello), { resolve: k.resolve }), /^not a relocatable object \(ET_EXEC\)/);
    }
    const arm = Uint8Array.from(guest('module_basic'));
    new DataView(arm.buffer).setUint16(18, 183, true);
    expectLoadError(() => loadModule(k.mem, arm, { resolve: k.resolve }), /^ELF for machine 183 \(aarch64\), expected x86-64$/);
  });

  test('a truncated object: one line, at every length', () => {
    const bytes = guest('module_basic');
    const k = fakeKernel();
    const before = k.mem.mappedPages;
    for (let len = 0; len < bytes.length; len += Math.max(1, Math.floor(bytes.length / 97))) {
      expectLoadError(() => loadModule(k.mem, bytes.subarray(0, len), { resolve: k.resolve }), /./);
    }
    assert.equal(k.mem.mappedPages, before, 'nothing stays mapped');
  });

  test('corrupted objects load or fail with a ModuleLoadError, never anything else', () => {
    const bytes = guest('module_basic');
    const elf = ElfFile.parse(bytes);
    // Corrupt the structures the loader interprets: section headers, symbols, relocations, .ksw_* data.
    const targets = elf.sections.filter((s) => s.type === SHT_RELA || s.name === '.symtab' || s.name.startsWith('.ksw') || s.name === '__bug_table');
    const regions: [number, number][] = [[elf.header.shoff, elf.sections.length * 64], ...targets.map((s): [number, number] => [s.offset, s.size])];
    let seed = 12345;
    const rand = () => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) / 2 ** 32; };
    let failures = 0;
    const k = fakeKernel();
    for (let i = 0; i < 300; i++) {
      const copy = Uint8Array.from(bytes);
      for (let j = 0; j < 1 + Math.floor(rand() * 4); j++) {
        const [off, size] = regions[Math.floor(rand() * regions.length)];
        copy[off + Math.floor(rand() * size)] = Math.floor(rand() * 256);
      }
      try {
        loadModule(k.mem, copy, { resolve: k.resolve }).unload(k.mem);
      } catch (e) {
        assert.ok(e instanceof ModuleLoadError, `mutation ${i}: ${(e as Error).name}: ${(e as Error).message}`);
        assert.ok(!e.message.includes('\n'));
        failures++;
      }
    }
    assert.ok(failures > 0);
  });
});
