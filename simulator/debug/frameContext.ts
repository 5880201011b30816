// A frame as expressions and the Variables view see it: which registers are
// known there, its CFA, and where each DWARF variable lives (memory,
// register, constant) — or why it cannot be shown.

import type { Memory } from '../memory/memory';
import type { DebugInfo, DwarfFunction, DwarfVariable, SimpleLocation } from '../dwarf/debugInfo';
import { locationAt as locationAtPc } from '../dwarf/location';
import type { RawFrame } from './frames';
import { DWARF_TO_GPR, getGpr, RegisterFile } from './registers';
import { CType, parseTypeName } from './ctypes';

export interface FrameContext {
  mem: Memory;
  debugInfo: DebugInfo | null;
  frame: RawFrame;
  /** Every register: the innermost frame only (callers know RSP and RIP through `frame`). */
  regs: RegisterFile | null;
  /** Address of a global symbol (module symbol table), if any. */
  symbolAddress(name: string): bigint | undefined;
  /** Registers may be written (the machine is stopped and this is the innermost frame). */
  writable: boolean;
}

/** Where a value lives. */
export type Place =
  | { kind: 'memory'; address: bigint }
  | { kind: 'register'; gpr: number }
  | { kind: 'value'; value: bigint }
  | { kind: 'unavailable'; reason: string };

export interface LocatedVariable {
  name: string;
  type: CType;
  place: Place;
  kind: DwarfVariable['kind'];
}

/** The frame base (DW_AT_frame_base) of `fn` at the frame's pc. */
function frameBase(ctx: FrameContext, fn: DwarfFunction): bigint | string {
  const fb = locationAtPc(fn.frameBase, ctx.frame.lookupPc);
  if (fb.kind === 'cfa') return ctx.frame.cfa ?? 'CFA unavailable';
  if (fb.kind === 'breg') {
    const r = registerValue(ctx, fb.reg);
    return r === undefined ? `frame base register ${fb.name} unavailable in this frame` : r + BigInt(fb.offset);
  }
  return 'unsupported frame base';
}

/** Value of a DWARF-numbered register in the frame, when known. */
export function registerValue(ctx: FrameContext, dwarfReg: number): bigint | undefined {
  const gpr = DWARF_TO_GPR[dwarfReg];
  if (gpr === undefined) return undefined;
  if (ctx.regs) return getGpr(ctx.regs, gpr);
  if (gpr === 4) return ctx.frame.sp; // RSP in a caller: the callee's CFA
  return ctx.frame.saved?.get(gpr)?.value;
}

export function locate(ctx: FrameContext, fn: DwarfFunction | undefined, loc: SimpleLocation): Place {
  switch (loc.kind) {
    case 'addr': return { kind: 'memory', address: loc.address };
    case 'value': return { kind: 'value', value: loc.value };
    case 'fbreg': {
      if (!fn) return { kind: 'unavailable', reason: 'no frame base' };
      const base = frameBase(ctx, fn);
      return typeof base === 'string' ? { kind: 'unavailable', reason: base } : { kind: 'memory', address: base + BigInt(loc.offset) };
    }
    case 'breg': {
      const r = registerValue(ctx, loc.reg);
      return r === undefined ? { kind: 'unavailable', reason: `${loc.name} unavailable in this frame` } : { kind: 'memory', address: r + BigInt(loc.offset) };
    }
    case 'reg': {
      const gpr = DWARF_TO_GPR[loc.reg];
      if (gpr === undefined) return { kind: 'unavailable', reason: `in ${loc.name}` };
      if (ctx.regs) return { kind: 'register', gpr };
      const saved = ctx.frame.saved?.get(gpr);
      if (saved?.address !== undefined) return { kind: 'memory', address: saved.address };
      if (saved) return { kind: 'value', value: saved.value };
      return { kind: 'unavailable', reason: `in register ${loc.name}, not saved by the callee` };
    }
    case 'optimized-out': return { kind: 'unavailable', reason: 'optimized out' };
    default: return { kind: 'unavailable', reason: 'unsupported location' };
  }
}

/** Parameters and locals in scope at the frame, located. */
export function frameVariables(ctx: FrameContext): { fn?: DwarfFunction; vars: LocatedVariable[] } {
  const scoped = ctx.debugInfo?.variablesAt(ctx.frame.lookupPc);
  if (!scoped) return { vars: [] };
  const vars = scoped.variables.map((v) => ({
    name: v.name, kind: v.kind, type: parseTypeName(v.typeName, v.byteSize), place: locate(ctx, scoped.fn, v.here),
  }));
  return { fn: scoped.fn, vars };
}

/** A variable by name: frame locals first, then the module's globals. */
export function lookupVariable(ctx: FrameContext, name: string): LocatedVariable | undefined {
  const local = frameVariables(ctx).vars.filter((v) => v.name === name);
  // an inner block's variable shadows an outer one: DWARF lists outer first
  if (local.length > 0) return local[local.length - 1];
  const g = ctx.debugInfo?.globals.find((v) => v.name === name);
  if (g) return { name, kind: 'global', type: parseTypeName(g.typeName, g.byteSize), place: locate(ctx, undefined, locationAtPc(g.location, ctx.frame.lookupPc)) };
  return undefined;
}
