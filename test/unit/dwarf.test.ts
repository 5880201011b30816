// DWARF reader: real gcc objects (test/guests/module_dwarf.c, DWARF 5 and 4,
// -O0 and -O2), relocated by the module loader, give the right lines,
// functions and variable locations; -O0 frame offsets are checked against
// a real run on the simulated CPU; broken debug info never crashes.

import { after, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileModule } from '../../simulator/toolchain/compile';
import { Cpu } from '../../simulator/cpu/cpu';
import { Gpr } from '../../simulator/cpu/registers';
import { DebugInfo, DwarfError, DwarfFunction, DwarfVariable } from '../../simulator/dwarf/debugInfo';
import { ElfFile } from '../../simulator/elf/elfFile';
import { LoadedModule, loadModule } from '../../simulator/elf/moduleLoader';
import { Memory, Perm } from '../../simulator/memory/memory';
import { PERCPU } from '../../simulator/sdk/abi';
import { skipUnless } from '../tools';

const ROOT = path.resolve(__dirname, '../../..');
const GUESTS = path.join(ROOT, 'test/guests');
const SOURCE = path.join(GUESTS, 'module_dwarf.c');
const NO_GCC = skipUnless('gcc');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-dwarf-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const compiled = new Map<string, Uint8Array>();
function guest(cflags: string[], name = 'module_dwarf'): Uint8Array {
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

const STUBS = 0xffffffff81000000n, PERCPU_AREA = 0xffffffff83000000n, HALT = 0xffffffff84000000n;
const STACK = 0xffffc90000000000n;

function load(bytes: Uint8Array): { mod: LoadedModule; mem: Memory } {
  const mem = new Memory(32 << 20);
  mem.map(STUBS, 0x1000, Perm.RX);
  mem.write(STUBS, Uint8Array.of(0x31, 0xc0, 0xc3), true); // every export: xor eax,eax; ret
  const mod = loadModule(mem, bytes, { name: 'dwarf', resolve: () => STUBS });
  return { mod, mem };
}

const sourceLines = fs.readFileSync(SOURCE, 'utf8').split('\n');
/** 1-based line of the first source line containing `text`. */
function lineOf(text: string): number {
  const i = sourceLines.findIndex((l) => l.includes(text));
  assert.ok(i >= 0, text);
  return i + 1;
}
/** Where a function's body starts: the `{` line after its definition (kernel style). */
function braceLineOf(fn: string): number {
  const def = lineOf(`${fn}(`);
  for (let i = def - 1; i < sourceLines.length; i++) if (sourceLines[i].startsWith('{')) return i + 1;
  assert.fail(`no body for ${fn}`);
}

const VARIANTS = [
  { label: 'DWARF 5, -O0', flags: ['-O0'] },
  { label: 'DWARF 4, -O0', flags: ['-O0', '-gdwarf-4'] },
  { label: 'DWARF 5, -O2', flags: ['-O2'] },
  { label: 'DWARF 4, -O2', flags: ['-O2', '-gdwarf-4'] },
];

function fn(dbg: DebugInfo, name: string): DwarfFunction {
  const f = dbg.functionByName(name);
  assert.ok(f, `function ${name}`);
  return f;
}

function variable(f: DwarfFunction, name: string): DwarfVariable {
  const v = [...f.params, ...f.locals].find((x) => x.name === name);
  assert.ok(v, `${f.name}: variable ${name}`);
  return v;
}

for (const { label, flags } of VARIANTS) {
  describe(label, { skip: NO_GCC }, () => {
    test('reads without warnings; functions match the module symbols', () => {
      const { mod } = load(guest(flags));
      const dbg = DebugInfo.forModule(mod, { strict: true });
      assert.deepEqual(dbg.warnings, []);
      for (const name of ['dwarf_locals', 'dwarf_leaf', 'dwarf_init']) {
        const f = fn(dbg, name), sym = mod.symbol(name)!;
        assert.equal(f.lowPc, sym.address, `${name} entry`);
        assert.deepEqual(f.ranges[0], [sym.address, sym.address + BigInt(sym.size)]);
        assert.equal(f.highPc, sym.address + BigInt(sym.size));
        assert.equal(f.declFile, SOURCE);
        assert.equal(f.declLine, lineOf(`${name}(`));
        assert.deepEqual(f.frameBase, { kind: 'cfa' });
        assert.equal(dbg.functionAt(sym.address + 1n)?.name, name);
      }
      assert.equal(dbg.functionAt(0xffffffff81000000n), undefined);
      const shared = dbg.globals.find((g) => g.name === 'shared_words');
      assert.deepEqual(shared?.location, { kind: 'addr', address: mod.symbol('shared_words')!.address });
      assert.equal(shared?.typeName, 'u64[4]');
      assert.equal(shared?.byteSize, 32);
      const typeOf = (name: string) => dbg.globals.find((g) => g.name === name)?.typeName;
      assert.equal(typeOf('dwarf_hook'), 'int (*)(void *, int)');
      assert.equal(typeOf('dwarf_name'), 'const char *');
      assert.equal(typeOf('dwarf_fixed'), 'char *const');
      assert.equal(typeOf('dwarf_ticks'), 'volatile long unsigned int');
    });

    test('lineFor(function entry) is the line that opens its body', () => {
      const { mod } = load(guest(flags));
      const dbg = DebugInfo.forModule(mod);
      for (const name of ['dwarf_locals', 'dwarf_leaf', 'dwarf_init']) {
        const at = dbg.lineFor(mod.symbol(name)!.address);
        assert.equal(at?.file, SOURCE);
        if (flags.includes('-O0')) assert.equal(at?.line, braceLineOf(name), name);
        // Optimized, a function without a prologue starts right at its first statement.
        else assert.ok(at!.line === braceLineOf(name) || at!.line === braceLineOf(name) + 1, `${name}: ${at?.line}`);
      }
      // Every address of a function maps into the function's lines.
      const sym = mod.symbol('dwarf_locals')!;
      const first = lineOf('dwarf_locals('), last = lineOf('@return') + 1;
      for (let a = sym.address; a < sym.address + BigInt(sym.size); a++) {
        const l = dbg.lineFor(a);
        assert.ok(l && l.line >= first && l.line <= last, `0x${a.toString(16)} → ${l?.line}`);
      }
      assert.equal(dbg.lineFor(mod.base - 1n), undefined);
    });

    test('addressesFor(file, line) finds statement addresses that map back to the line', () => {
      const { mod } = load(guest(flags));
      const dbg = DebugInfo.forModule(mod);
      for (const marker of ['@store', '@return', '@leaf']) {
        const line = lineOf(marker);
        const addrs = dbg.addressesFor(SOURCE, line);
        assert.ok(addrs.length > 0, marker);
        for (const a of addrs) assert.equal(dbg.lineFor(a)?.line, line, marker);
        assert.deepEqual(dbg.addressesFor('module_dwarf.c', line), addrs);
        assert.deepEqual(dbg.addressesFor('guests/module_dwarf.c', line), addrs);
      }
      assert.deepEqual(dbg.addressesFor('other.c', lineOf('@store')), []);
      assert.deepEqual(dbg.addressesFor('dwarf.c', lineOf('@store')), [], 'a base name must match whole');
    });

    test('parameters and locals: names, types, sizes', () => {
      const { mod } = load(guest(flags));
      const f = fn(DebugInfo.forModule(mod), 'dwarf_locals');
      assert.deepEqual(f.params.map((p) => [p.name, p.typeName, p.byteSize]), [['count', 'int', 4], ['scale', 'long int', 8]]);
      const expect: Record<string, [string, number]> = {
        buffer: ['u64[8]', 64], p: ['struct pair', 16], i: ['int', 4], sum: ['long int', 8], v: ['long int', 8],
      };
      for (const [name, [type, size]] of Object.entries(expect)) {
        const v = variable(f, name);
        assert.equal(v.typeName, type, name);
        assert.equal(v.byteSize, size, name);
        assert.equal(v.declLine !== undefined && v.declLine > f.declLine!, true);
      }
      // v is declared in the loop's block: in scope only there.
      const v = variable(f, 'v');
      if (v.scope) {
        const inBlock = dbg2(mod).addressesFor(SOURCE, lineOf('@block'));
        assert.ok(inBlock.every((a) => v.scope!.some(([lo, hi]) => a >= lo && a < hi)));
      }
    });
  });
}

function dbg2(mod: LoadedModule): DebugInfo {
  return DebugInfo.forModule(mod);
}

describe('-O0 frame locations', { skip: NO_GCC }, () => {
  test('every parameter and local has a DW_OP_fbreg location', () => {
    for (const flags of [['-O0'], ['-O0', '-gdwarf-4']]) {
      const { mod } = load(guest(flags));
      const dbg = DebugInfo.forModule(mod);
      for (const f of dbg.functions) {
        for (const v of [...f.params, ...f.locals]) {
          assert.equal(v.location.kind, 'fbreg', `${f.name}.${v.name}: ${JSON.stringify(v.location)}`);
        }
      }
    }
  });

  test('CFA + fbreg offset holds the variable at run time', () => {
    const { mod, mem } = load(guest(['-O0']));
    const dbg = DebugInfo.forModule(mod);
    const f = fn(dbg, 'dwarf_locals');
    mem.map(PERCPU_AREA, 0x1000, Perm.RW);
    mem.writeU64(PERCPU_AREA + BigInt(PERCPU.STACK_CANARY), 0xc0ffee1234n, true);
    mem.map(HALT, 0x1000, Perm.RX);
    mem.write(HALT, Uint8Array.of(0xf4), true);
    mem.map(STACK, 0x4000, Perm.RW);
    const cpu = new Cpu(mem);
    cpu.gsBase = PERCPU_AREA;
    const entrySp = STACK + 0x4000n - 8n;
    mem.writeU64(entrySp, HALT, true);
    cpu.setReg(Gpr.RSP, entrySp);
    cpu.setReg(Gpr.RDI, 4n);
    cpu.setReg(Gpr.RSI, 10n);
    cpu.rip = f.lowPc;
    const target = dbg.addressesFor(SOURCE, lineOf('@return'))[0];
    for (let n = 0; cpu.rip !== target; n++) {
      assert.ok(n < 100_000, 'reached the return line');
      assert.equal(cpu.step(), null);
    }
    const cfa = entrySp + 8n; // RSP before the call pushed the return address
    const at = (name: string) => {
      const loc = variable(f, name).location;
      assert.equal(loc.kind, 'fbreg');
      return cfa + BigInt((loc as { offset: number }).offset);
    };
    const i64 = (a: bigint) => BigInt.asIntN(64, mem.readU64(a, true));
    assert.equal(mem.readU32(at('count'), true), 4);
    assert.equal(i64(at('scale')), 10n);
    assert.equal(mem.readU32(at('i'), true), 4);
    assert.equal(i64(at('sum')), 0n + 10n + 20n + 30n + 4n * 1n);
    assert.equal(i64(at('buffer') + 8n * 7n), 70n);
    assert.equal(mem.readU32(at('p'), true), 1);
    assert.equal(i64(at('p') + 8n), 2n);
    // And the function returns sum + p.b.
    assert.equal(cpu.run(10_000).kind, 'halt');
    assert.equal(cpu.getReg(Gpr.RAX), 66n);
  });
});

describe('-O2 locations', { skip: NO_GCC }, () => {
  test('parameters are in their ABI registers at entry', () => {
    for (const flags of [['-O2'], ['-O2', '-gdwarf-4']]) {
      const { mod } = load(guest(flags));
      const dbg = DebugInfo.forModule(mod);
      const locals = dbg.variablesAt(fn(dbg, 'dwarf_locals').lowPc)!;
      const here = (name: string) => locals.variables.find((v) => v.name === name)?.here;
      assert.deepEqual(here('count'), { kind: 'reg', reg: 5, name: 'rdi' });
      assert.deepEqual(here('scale'), { kind: 'reg', reg: 4, name: 'rsi' });
      const leaf = dbg.variablesAt(fn(dbg, 'dwarf_leaf').lowPc)!;
      assert.deepEqual(leaf.variables.map((v) => [v.name, v.here]), [['x', { kind: 'reg', reg: 5, name: 'rdi' }]]);
    }
  });

  test('location lists are decoded; what is not simple is optimized out', () => {
    const { mod } = load(guest(['-O2']));
    const dbg = DebugInfo.forModule(mod);
    const f = fn(dbg, 'dwarf_locals');
    const all = [...f.params, ...f.locals];
    assert.ok(all.some((v) => v.location.kind === 'list'), 'at least one location list');
    for (const v of all) {
      if (v.location.kind !== 'list') continue;
      for (const e of v.location.entries) {
        assert.ok(e.start < e.end);
        assert.ok(f.ranges.some(([lo, hi]) => e.start >= lo && e.end <= hi), `${v.name} entry inside the function`);
        assert.ok(['reg', 'breg', 'fbreg', 'value', 'addr', 'optimized-out'].includes(e.location.kind));
      }
    }
    // Outside the function every variable is out of scope.
    assert.equal(dbg.variablesAt(mod.base + BigInt(mod.size) + 100n), undefined);
  });
});

describe('DWARF 4 and 5 agree', { skip: NO_GCC }, () => {
  for (const opt of ['-O0', '-O2']) {
    test(`at ${opt}`, () => {
      const v5 = DebugInfo.forModule(load(guest([opt])).mod);
      const v4 = DebugInfo.forModule(load(guest([opt, '-gdwarf-4'])).mod);
      const strip = (d: DebugInfo) => JSON.stringify(d.functions.map((f) => ({ ...f, unit: undefined })),
        (_, v) => (typeof v === 'bigint' ? v.toString(16) : v));
      assert.equal(strip(v4), strip(v5));
      assert.deepEqual(v4.lines, v5.lines);
      assert.deepEqual(v4.units.map((u) => u.version), [4]);
      assert.deepEqual(v5.units.map((u) => u.version), [5]);
    });
  }
});

describe('compressed debug sections', { skip: NO_GCC }, () => {
  test('-gz=zlib (SHF_COMPRESSED) reads the same as uncompressed', () => {
    const bytes = guest(['-O2', '-gz=zlib']);
    const elf = ElfFile.parse(bytes);
    assert.ok(elf.sections.some((s) => s.name === '.debug_info' && (s.flags & 0x800) !== 0), 'gcc compressed .debug_info');
    const plain = DebugInfo.forModule(load(guest(['-O2'])).mod);
    const packed = DebugInfo.forModule(load(bytes).mod, { strict: true });
    assert.deepEqual(packed.warnings, []);
    assert.deepEqual(packed.lines, plain.lines);
    assert.deepEqual(packed.functions.map((f) => f.name), plain.functions.map((f) => f.name));
  });
});

// ---- robustness ---------------------------------------------------------------------

describe('broken debug info', { skip: NO_GCC }, () => {
  test('an object without -g: a warning, empty tables', () => {
    const { mod } = load(guest(['-g0']));
    const dbg = DebugInfo.forModule(mod);
    assert.deepEqual(dbg.warnings, ['no DWARF debug info (compile with -g)']);
    assert.equal(dbg.lineFor(mod.base), undefined);
    assert.deepEqual(dbg.functions, []);
    assert.throws(() => DebugInfo.forModule(mod, { strict: true }), DwarfError);
  });

  test('an unknown attribute form skips the unit with a clean message', () => {
    const bytes = Uint8Array.from(guest(['-O0']));
    const elf = ElfFile.parse(bytes);
    const abbrev = elf.sectionByName('.debug_abbrev')!;
    // First declaration: code (ULEB), tag (ULEB), children (u8), then (attribute, form) pairs.
    let p = abbrev.offset;
    const uleb = () => { while (bytes[p++] & 0x80); };
    uleb(); uleb(); p++; uleb();
    bytes[p] = 0x7f; // the first attribute's form
    const { mod } = load(bytes);
    const dbg = DebugInfo.forModule(mod);
    assert.ok(dbg.warnings.some((w) => /unknown attribute form 0x7f/.test(w)), dbg.warnings.join('; '));
    assert.deepEqual(dbg.functions, []);
    assert.ok(dbg.lines.length === 0 || dbg.lineFor(mod.symbol('dwarf_leaf')!.address) !== undefined);
    assert.throws(() => DebugInfo.forModule(mod, { strict: true }), (e: unknown) => e instanceof DwarfError && /0x7f/.test(e.message));
  });

  test('random corruption of every debug section: warnings or DwarfError, never a crash', () => {
    for (const flags of [['-O2'], ['-O0', '-gdwarf-4']]) {
      const bytes = guest(flags);
      const elf = ElfFile.parse(bytes);
      const secs = elf.sections.filter((s) => s.name.startsWith('.debug_') || s.name.startsWith('.rela.debug_'));
      const { mod } = load(bytes);
      let seed = 99;
      const rand = () => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) / 2 ** 32; };
      for (let i = 0; i < 250; i++) {
        const copy = Uint8Array.from(bytes);
        const sec = secs[Math.floor(rand() * secs.length)];
        const n = 1 + Math.floor(rand() * 8);
        for (let j = 0; j < n; j++) copy[sec.offset + Math.floor(rand() * sec.size)] = Math.floor(rand() * 256);
        let parsed: ElfFile;
        try {
          parsed = ElfFile.parse(copy);
        } catch {
          continue;
        }
        const place = (idx: number) => mod.sectionAddress(idx);
        const d = DebugInfo.fromElf(parsed, place);
        d.lineFor(mod.base + 5n);
        d.variablesAt(mod.base + 5n);
        d.addressesFor(SOURCE, 20);
        try {
          DebugInfo.fromElf(parsed, place, { strict: true });
        } catch (e) {
          assert.ok(e instanceof DwarfError, `${sec.name} mutation ${i}: ${(e as Error).name}: ${(e as Error).message}`);
          assert.ok(!e.message.includes('\n'));
        }
      }
    }
  });
});
