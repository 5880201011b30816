// Struct layouts from DWARF: the byte offset of a member path such as
// `thread_info.cpu` in `struct task_struct`, and the struct's size. A module
// built against real kernel headers describes the structs it uses in its own
// debug info, so the simulated kernel can lay out the objects it hands to
// that module (task_struct, kernel_param, …) exactly as the module's
// inline code reads them, whatever the kernel version.

import { DW_AT, DW_TAG } from './constants';
import { Die, numberValue, stringValue } from './info';
import { DebugSections } from './sections';

export interface StructLayout {
  name: string;
  size: number;
  /** Offset and size of a member, by dotted path through nested structs/unions; undefined if absent. */
  member(path: string): { offset: number; size: number | undefined } | undefined;
}

const MAX_HOPS = 16;

/** Index the complete (non-declaration) struct definitions among `dies` by name; the first definition wins. */
export function indexStructs(dies: Iterable<Die>, sections: DebugSections): Map<string, StructLayout> {
  const byName = new Map<string, StructLayout>();
  const name = (d: Die): string | undefined => stringValue(d.unit, d.attrs.get(DW_AT.name), sections);
  const resolve = (d: Die | undefined): Die | undefined => {
    // typedefs and qualifiers down to the struct/union/base type
    for (let i = 0; d && i < MAX_HOPS; i++) {
      if (d.tag !== DW_TAG.typedef && d.tag !== DW_TAG.const_type && d.tag !== DW_TAG.volatile_type) return d;
      const t = d.attrs.get(DW_AT.type);
      d = t?.kind === 'ref' ? dieAt(d, t.offset) : undefined;
    }
    return undefined;
  };
  const all = new Map<number, Die>();
  for (const d of dies) all.set(d.offset, d);
  const dieAt = (_from: Die, offset: number): Die | undefined => all.get(offset);
  const sizeOf = (d: Die | undefined): number | undefined => {
    const r = resolve(d);
    if (!r) return undefined;
    const n = numberValue(r.attrs.get(DW_AT.byte_size));
    if (n !== undefined) return n;
    if (r.tag === DW_TAG.pointer_type) return r.unit.addressSize;
    if (r.tag === DW_TAG.array_type) {
      let count = 1;
      for (const c of r.children) {
        if (c.tag !== DW_TAG.subrange_type) continue;
        const k = numberValue(c.attrs.get(DW_AT.count)) ?? ((numberValue(c.attrs.get(DW_AT.upper_bound)) ?? -1) + 1);
        count *= k;
      }
      const t = r.attrs.get(DW_AT.type);
      const el = sizeOf(t?.kind === 'ref' ? all.get(t.offset) : undefined);
      return el === undefined ? undefined : el * count;
    }
    return undefined;
  };
  const memberOf = (s: Die, path: string[]): { offset: number; size: number | undefined } | undefined => {
    let cur: Die | undefined = s, offset = 0, size: number | undefined;
    for (const part of path) {
      if (!cur) return undefined;
      const found = findMember(cur, part);
      if (!found) return undefined;
      offset += found.offset;
      const t = found.die.attrs.get(DW_AT.type);
      const typeDie = t?.kind === 'ref' ? all.get(t.offset) : undefined;
      size = sizeOf(typeDie);
      cur = resolve(typeDie);
    }
    return { offset, size };
  };
  // A member by name, looking through anonymous structs/unions as C does.
  const findMember = (s: Die, want: string, depth = 0): { die: Die; offset: number } | undefined => {
    for (const c of s.children) {
      if (c.tag !== DW_TAG.member) continue;
      const off = numberValue(c.attrs.get(DW_AT.data_member_location)) ?? 0;
      const n = name(c);
      if (n === want) return { die: c, offset: off };
      if (n === undefined && depth < MAX_HOPS) {
        const t = c.attrs.get(DW_AT.type);
        const inner = resolve(t?.kind === 'ref' ? all.get(t.offset) : undefined);
        const hit = inner && findMember(inner, want, depth + 1);
        if (hit) return { die: hit.die, offset: off + hit.offset };
      }
    }
    return undefined;
  };
  for (const d of all.values()) {
    if (d.tag !== DW_TAG.structure_type || d.attrs.has(DW_AT.declaration)) continue;
    const n = name(d);
    const size = numberValue(d.attrs.get(DW_AT.byte_size));
    if (!n || size === undefined || byName.has(n)) continue;
    byName.set(n, { name: n, size, member: (path) => memberOf(d, path.split('.')) });
  }
  return byName;
}
