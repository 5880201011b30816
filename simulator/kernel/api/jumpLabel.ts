// Static keys (jump labels) of a Kbuild module: __jump_table and
// static_key_enable/disable/slow_inc/slow_dec/count.
//
// The compiler emits each static branch consistent with its key's initial
// value (a NOP on the default path, a jmp to the other), so loading keeps
// the code as it is, as Linux's module loader effectively does. x86-64's
// struct jump_entry is 16 bytes of relative offsets: s32 code, s32 target,
// long key (whose bit 0 is the branch's `likely` sense). When a key changes,
// each of its sites becomes `jmp target` if (enabled XOR branch) and a NOP
// otherwise, of the size the site has (2 or 5 bytes), as
// arch_jump_label_transform does. pr_debug() under CONFIG_DYNAMIC_DEBUG is
// such a branch (off): __dynamic_pr_debug is reached only when enabled.

import type { Machine } from '../machine';
import type { LoadedModule } from '../../elf/moduleLoader';
import { readU32, writeU32 } from './util';

interface JumpEntry { code: bigint; target: bigint; key: bigint; branch: boolean }

const NOP5 = Uint8Array.of(0x0f, 0x1f, 0x44, 0x00, 0x00);
const NOP2 = Uint8Array.of(0x66, 0x90);
const tables = new WeakMap<Machine, JumpEntry[]>();

/** Read a module's __jump_table (its sites keep the code the compiler emitted). */
export function readJumpTable(m: Machine, mod: LoadedModule): number {
  const sec = mod.sectionByName('__jump_table');
  if (!sec) return 0;
  const entries = tables.get(m) ?? [];
  tables.set(m, entries);
  let n = 0;
  for (let off = 0; off + 16 <= sec.size; off += 16) {
    const at = sec.address + BigInt(off);
    const code = at + BigInt(BigInt.asIntN(32, BigInt(m.mem.readU32(at))));
    const target = at + 4n + BigInt(BigInt.asIntN(32, BigInt(m.mem.readU32(at + 4n))));
    const keyField = BigInt.asUintN(64, at + 8n + BigInt.asIntN(64, m.mem.readU64(at + 8n)));
    if (!mod.contains(code)) continue;
    entries.push({ code, target, key: keyField & ~3n, branch: (keyField & 1n) !== 0n });
    n++;
  }
  return n;
}

function patchKey(m: Machine, key: bigint, enabled: boolean): void {
  for (const e of tables.get(m) ?? []) {
    if (e.key !== key) continue;
    const insn = m.mem.read(e.code, 2);
    const short = (insn[0] === 0xeb) || (insn[0] === 0x66 && insn[1] === 0x90);
    let bytes: Uint8Array;
    if (enabled !== e.branch) {
      const rel = e.target - e.code - (short ? 2n : 5n);
      bytes = short ? Uint8Array.of(0xeb, Number(BigInt.asUintN(8, rel)))
        : Uint8Array.of(0xe9, ...new Uint8Array(Int32Array.of(Number(rel)).buffer));
    } else {
      bytes = short ? NOP2 : NOP5;
    }
    m.mem.write(e.code, bytes, true);
  }
  m.cpu.flushCode();
}

export function registerJumpLabel(m: Machine): void {
  // struct static_key starts with atomic_t enabled
  const set = (key: bigint, count: number): void => {
    const was = readU32(m, key) | 0;
    writeU32(m, key, count);
    if ((was > 0) !== (count > 0)) patchKey(m, key, count > 0);
  };
  m.defineHost('static_key_enable', () => { set(m.arg(0), 1); });
  m.defineHost('static_key_disable', () => { set(m.arg(0), 0); });
  m.defineHost('static_key_slow_inc', () => { const k = m.arg(0); set(k, (readU32(m, k) | 0) + 1); });
  m.defineHost('static_key_slow_dec', () => { const k = m.arg(0); set(k, Math.max(0, (readU32(m, k) | 0) - 1)); });
  m.defineHost('static_key_count', () => readU32(m, m.arg(0)) | 0);
}
