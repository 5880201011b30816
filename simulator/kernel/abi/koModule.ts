// What the kernel does to a module built by Kbuild (a .ko) after loading it
// and before running it, as Linux's module loader and boot-time patching do:
//  - `call __fentry__` at each function entry (sites in __mcount_loc)
//    becomes a 5-byte NOP (ftrace_init's nop conversion);
//  - `jmp __x86_return_thunk` (sites in .return_sites) becomes `ret; int3…`
//    and `jcc __x86_return_thunk` a short jump over a `ret`
//    (apply_returns);
//  - __bug_table holds x86-64's struct bug_entry with relative pointers
//    (CONFIG_GENERIC_BUG_RELATIVE_POINTERS: i32 bug_addr_disp, i32
//    file_disp, u16 line, u16 flags), not the SDK's absolute ones;
//  - __param's struct kernel_param entries become the module's parameters,
//    typed by the param_ops_* they point at;
//  - task structs get the layout of the module's kernel version (its DWARF);
//  - .altinstructions are applied for our bare-metal CPU (abi/alternatives.ts:
//    6.1's paravirt irq helpers become pushf;pop / cli / sti / push;popf);
//  - __jump_table's static branch sites are kept as emitted (they match
//    the keys' initial values) and patched when a key changes (api/jumpLabel.ts).
// Each step is skipped for an SDK module, which has none of these sections.

import type { Machine } from '../machine';
import type { BugEntry, LoadedModule, ModuleParam } from '../../elf/moduleLoader';
import { BUGFLAG } from '../../sdk/abi';
import { ModuleLoadError } from '../../elf/moduleLoader';
import type { DebugInfo } from '../../dwarf/debugInfo';
import { PARAM_TYPE_SIZES, paramTypeAt } from '../api/params';
import { taskLayoutFrom } from './taskLayout';
import { adoptKernelStructs } from './kernelStructs';
import { readJumpTable } from '../api/jumpLabel';
import { applyAlternatives } from './alternatives';

const NOP5 = Uint8Array.of(0x0f, 0x1f, 0x44, 0x00, 0x00);
const RET_INT3 = Uint8Array.of(0xc3, 0xcc, 0xcc, 0xcc, 0xcc);

/** struct kernel_param in Linux 6.x, used when the module's DWARF lacks it. */
const KERNEL_PARAM_DEFAULT = { size: 40, name: 0, ops: 16, perm: 24, arg: 32 };

export interface KoPatchStats { fentryNops: number; returnThunks: number; jumpSites: number; alternatives: number }

export function prepareKo(m: Machine, mod: LoadedModule, dbg: DebugInfo | null): KoPatchStats {
  const stats = { fentryNops: nopFentrySites(m, mod), returnThunks: patchReturnSites(m, mod), jumpSites: readJumpTable(m, mod),
    alternatives: applyAlternatives(m, mod) };
  if (mod.sectionByName('.gnu.linkonce.this_module')) mod.bugs = readRelativeBugTable(m, mod);
  const params = readKernelParams(m, mod, dbg);
  if (params) mod.params = params;
  const layout = taskLayoutFrom(dbg?.struct('task_struct'));
  if (layout) m.taskLayout = layout;
  if (dbg) adoptKernelStructs(m, dbg);
  return stats;
}

function nopFentrySites(m: Machine, mod: LoadedModule): number {
  const sec = mod.sectionByName('__mcount_loc');
  const fentry = m.host.resolve('__fentry__');
  if (!sec || fentry === undefined) return 0;
  let n = 0;
  for (let off = 0; off + 8 <= sec.size; off += 8) {
    const site = m.mem.readU64(sec.address + BigInt(off));
    if (!mod.contains(site)) continue;
    const insn = m.mem.read(site, 5);
    const target = site + 5n + BigInt(new DataView(insn.buffer, insn.byteOffset).getInt32(1, true));
    if (insn[0] !== 0xe8 || target !== fentry) continue; // not a call to __fentry__: leave it alone
    m.mem.write(site, NOP5, true);
    n++;
  }
  return n;
}

function patchReturnSites(m: Machine, mod: LoadedModule): number {
  const sec = mod.sectionByName('.return_sites');
  const thunk = m.host.resolve('__x86_return_thunk');
  if (!sec || thunk === undefined) return 0;
  let n = 0;
  for (let off = 0; off + 4 <= sec.size; off += 4) {
    const at = sec.address + BigInt(off);
    const site = at + BigInt(BigInt.asIntN(32, BigInt(m.mem.readU32(at))));
    if (!mod.contains(site)) continue;
    const insn = m.mem.read(site, 6);
    const dv = new DataView(insn.buffer, insn.byteOffset);
    if (insn[0] === 0xe9 && site + 5n + BigInt(dv.getInt32(1, true)) === thunk) {
      m.mem.write(site, RET_INT3, true);
      n++;
    } else if (insn[0] === 0x0f && (insn[1] & 0xf0) === 0x80 && site + 6n + BigInt(dv.getInt32(2, true)) === thunk) {
      // jcc rel32 → j!cc +1; ret; int3 × 3
      m.mem.write(site, Uint8Array.of(0x70 | ((insn[1] & 0x0f) ^ 1), 0x01, 0xc3, 0xcc, 0xcc, 0xcc), true);
      n++;
    }
  }
  return n;
}

function readKernelParams(m: Machine, mod: LoadedModule, dbg: DebugInfo | null): ModuleParam[] | undefined {
  const sec = mod.sectionByName('__param');
  if (!sec) return undefined;
  const s = dbg?.struct('kernel_param');
  const off = (name: string, dflt: number): number => s?.member(name)?.offset ?? dflt;
  const L = {
    size: s?.size ?? KERNEL_PARAM_DEFAULT.size, name: off('name', KERNEL_PARAM_DEFAULT.name),
    ops: off('ops', KERNEL_PARAM_DEFAULT.ops), perm: off('perm', KERNEL_PARAM_DEFAULT.perm),
    arg: off('arg', KERNEL_PARAM_DEFAULT.arg),
  };
  if (sec.size % L.size !== 0) throw new ModuleLoadError(`malformed module: __param is not a whole number of ${L.size}-byte entries`);
  const out: ModuleParam[] = [];
  for (let at = sec.address; at < sec.address + BigInt(sec.size); at += BigInt(L.size)) {
    const name = cstring(m, m.mem.readU64(at + BigInt(L.name)));
    const ops = m.mem.readU64(at + BigInt(L.ops));
    const type = paramTypeAt(m, ops);
    if (!type) continue; // arrays and custom ops: not settable from the command line here
    out.push({
      name: name.replace(/^.*\./, ''), type, address: m.mem.readU64(at + BigInt(L.arg)),
      perm: m.mem.readU32(at + BigInt(L.perm)) & 0xffff, size: PARAM_TYPE_SIZES[type],
    });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function cstring(m: Machine, addr: bigint): string {
  const bytes: number[] = [];
  for (let a = addr; bytes.length < 256; a++) {
    const b = m.mem.read(a, 1)[0];
    if (b === 0) break;
    bytes.push(b);
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Size of x86-64's struct bug_entry with relative pointers. */
const BUG_ENTRY_RELATIVE = 12;

function readRelativeBugTable(m: Machine, mod: LoadedModule): BugEntry[] {
  const sec = mod.sectionByName('__bug_table');
  if (!sec) return [];
  const out: BugEntry[] = [];
  const rel = (at: bigint): bigint => at + BigInt(BigInt.asIntN(32, BigInt(m.mem.readU32(at))));
  for (let off = 0; off + BUG_ENTRY_RELATIVE <= sec.size; off += BUG_ENTRY_RELATIVE) {
    const at = sec.address + BigInt(off);
    const lf = m.mem.readU32(at + 8n);
    const flags = lf >>> 16;
    out.push({ address: rel(at), file: cstring(m, rel(at + 4n)) || '?', line: lf & 0xffff, flags, warning: (flags & BUGFLAG.WARNING) !== 0 });
  }
  return out.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

/** Whether `mod` was built by Kbuild (it has the struct module Kbuild generates). */
export function isKbuildModule(mod: LoadedModule): boolean {
  return mod.sectionByName('.gnu.linkonce.this_module') !== undefined;
}

/**
 * .modinfo as `modinfo` shows the fields users care about, on one line:
 * `license=GPL description="…" vermagic="…" parm=test:scenario 0..5 (int)`.
 */
export function describeModinfo(mod: LoadedModule): string {
  const info = mod.modinfo;
  const quote = (v: string): string => (/\s/.test(v.trim()) ? `"${v.trim()}"` : v.trim());
  const parts: string[] = [];
  for (const key of ['license', 'description', 'author', 'version', 'vermagic']) {
    for (const v of info.get(key) ?? []) parts.push(`${key}=${quote(v)}`);
  }
  const types = new Map((info.get('parmtype') ?? []).map((v) => [v.split(':')[0], v.split(':')[1]] as const));
  for (const p of info.get('parm') ?? []) {
    const name = p.split(':')[0];
    parts.push(`parm=${quote(`${p}${types.has(name) ? ` (${types.get(name)})` : ''}`)}`);
  }
  return `${mod.name}: modinfo: ${parts.join(' ')}`;
}
