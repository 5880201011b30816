// Integer, control-flow and memory-access case families of the differential
// CPU test (see gen.ts for the case model).

import { ARITH_FLAGS, CF, DF, OF, PF, SF, ZF, undefinedFlags } from './flags';
import { CaseBuilder, Generator, MXCSR_DEFAULT, PAIRS, SUFFIX, WIDTHS, Width, edgeValues, f64Bits, imm, mask, reg, regName, signBit, toSigned, toUnsigned } from './gen';

// ---- families ----------------------------------------------------------------

/** Self-check of the harness: a few cases whose results are known here. */
export function harness(g: Generator): void {
  const b1 = g.c().set('rax', 0x1234n).set('rcx', 0x1111n);
  b1.expect = new Map([[0, 0x2345n], [1, 0x1111n]]);
  g.add('harness', b1, 'addq %rcx, %rax', 'add');
  const b2 = g.c().set('rdx', 0xffffffffffffffffn);
  b2.expect = new Map([[2, 0xffffffffn]]);
  g.add('harness', b2, 'movl %edx, %edx', 'mov');
  const b3 = g.c().ptr('rbx', 8);
  b3.setMem(8, 64, 0x1122334455667788n);
  b3.expect = new Map([[0, 0x1122334455667788n]]);
  g.add('harness', b3, 'movq (%rbx), %rax', 'mov');
  // xmm and MXCSR plumbing: 1.5 + 1.5 = 3.0 (exact, no flag), then 1/0 (ZE)
  const b4 = g.c().setLane(0, 64, 0, f64Bits(1.5)).setLane(1, 64, 0, 0n).setLane(2, 64, 0, f64Bits(1));
  b4.usesXmm = true;
  b4.expect = new Map([[0, f64Bits(3)]]);
  b4.expectMxcsr = MXCSR_DEFAULT | 0x4;
  g.add('harness', b4, 'addsd %xmm0, %xmm0\nmovq %xmm0, %rax\ndivsd %xmm1, %xmm2', 'sse');
}

export function movFamily(g: Generator): void {
  const f = 'mov';
  for (const w of WIDTHS) {
    for (const [d, s] of PAIRS[w]) {
      for (let i = 0; i < 3; i++) {
        const b = g.c().set(s, g.value(w));
        g.add(f, b, `mov${SUFFIX[w]} %${s}, %${d}`, 'mov');
      }
    }
    // immediates (B0+r/B8+r and C6/C7 forms)
    for (const d of ['rax', 'rbx', 'r11', 'rsi']) {
      const name = regName(reg(d).n, w);
      for (let i = 0; i < 3; i++) {
        const v = w === 64 ? toUnsigned(toSigned(g.value(32), 32), 64) : g.value(w);
        g.add(f, g.c(), `mov${SUFFIX[w]} ${imm(v, w === 64 ? 32 : w)}, %${name}`, 'mov');
      }
    }
    // loads, stores, immediate stores
    for (let i = 0; i < 6; i++) {
      const [d] = g.rng.pick(PAIRS[w]);
      const b = g.c();
      const m = g.memOperand(b, w, { avoid: [d] });
      g.add(f, b, `mov${SUFFIX[w]} ${m.text}, %${d}`, 'mov');
      const b2 = g.c();
      const m2 = g.memOperand(b2, w, { avoid: [d] });
      g.add(f, b2, `mov${SUFFIX[w]} %${d}, ${m2.text}`, 'mov');
      const b3 = g.c();
      const m3 = g.memOperand(b3, w);
      g.add(f, b3, `mov${SUFFIX[w]} ${imm(g.value(w === 64 ? 32 : w), w === 64 ? 32 : w)}, ${m3.text}`, 'mov');
    }
    // moffs forms (A0-A3) with a 64-bit absolute address
    const acc = regName(0, w);
    const off = 8 * g.rng.int(8);
    g.add(f, g.c(), `movabs MEMADDR+${off}, %${acc}`, 'movabs');
    g.add(f, g.c(), `movabs %${acc}, MEMADDR+${off + 1}`, 'movabs');
  }
  for (const v of [0n, 0xffffffffffffffffn, 0x8000000000000000n, 0x123456789abcdef0n, 0xffffffffn, g.rng.u64()]) {
    g.add(f, g.c(), `movabs $0x${v.toString(16)}, %${g.rng.pick(['rax', 'r9', 'rdi'])}`, 'movabs');
  }
  // high-byte registers to and from memory, and AH <-> AL
  const b = g.c();
  const m = g.memOperand(b, 8, { avoid: ['ah'] });
  g.add(f, b, `movb %ah, ${m.text}`, 'mov');
  const b2 = g.c();
  const m2 = g.memOperand(b2, 8, { avoid: ['ch'] });
  g.add(f, b2, `movb ${m2.text}, %ch`, 'mov');
  g.add(f, g.c(), 'movb %al, %ah', 'mov');
  g.add(f, g.c(), 'movb %ah, %al', 'mov');
}

export function movExtend(g: Generator): void {
  const f = 'movzx/movsx';
  const forms: [string, Width, Width, string][] = [
    ['movzbw', 8, 16, 'movzx'], ['movzbl', 8, 32, 'movzx'], ['movzbq', 8, 64, 'movzx'],
    ['movzwl', 16, 32, 'movzx'], ['movzwq', 16, 64, 'movzx'],
    ['movsbw', 8, 16, 'movsx'], ['movsbl', 8, 32, 'movsx'], ['movsbq', 8, 64, 'movsx'],
    ['movswl', 16, 32, 'movsx'], ['movswq', 16, 64, 'movsx'], ['movslq', 32, 64, 'movsxd'],
  ];
  const srcs: Record<number, string[]> = { 8: ['al', 'ah', 'sil', 'r9b', 'bh'], 16: ['ax', 'r10w', 'si'], 32: ['eax', 'r10d', 'esi'] };
  const dsts = ['rax', 'rdx', 'r12', 'rbx'];
  for (const [mn, sw, dw, op] of forms) {
    for (const v of [0n, 1n, signBit(sw) - 1n, signBit(sw), mask(sw), g.rng.bits(sw), g.rng.bits(sw)]) {
      let s = g.rng.pick(srcs[sw]);
      const d = regName(reg(g.rng.pick(dsts)).n, dw);
      if (reg(s).high && (reg(d).n >= 8 || dw === 64)) s = 'cl'; // AH..DH can't be encoded with REX
      const b = g.c().set(s, v);
      g.add(f, b, `${mn} %${s}, %${d}`, op);
    }
    for (let i = 0; i < 3; i++) {
      const d = regName(reg(g.rng.pick(dsts)).n, dw);
      const b = g.c();
      const m = g.memOperand(b, sw, { avoid: [d] });
      b.setMem(m.off, sw, g.value(sw));
      g.add(f, b, `${mn} ${m.text}, %${d}`, op);
    }
  }
  // Intel syntax spelling of the same instructions.
  for (const text of ['movsxd rax, ecx', 'movzx eax, bh', 'movsx r9, word ptr [rsp+2]', 'movsx ax, dl']) {
    const b = g.c().set('rcx', g.rng.u64()).set('rdx', g.rng.u64());
    b.bytes();
    b.intel = true;
    g.add(f, b, text, 'movsx');
  }
}

export function leaFamily(g: Generator): void {
  const f = 'lea';
  const regs = ['rax', 'rcx', 'rdx', 'rbx', 'rbp', 'rsi', 'rdi', 'r8', 'r12', 'r13', 'r15'];
  for (let i = 0; i < 80; i++) {
    const b = g.c();
    const base = g.rng.pick(regs);
    const index = g.rng.pick(regs.filter((r) => r !== 'rsp'));
    const scale = g.rng.pick([1, 2, 4, 8]);
    const disp = g.rng.pick([0, 1, -1, 0x7f, -0x80, 0x12345678, -0x80000000, g.rng.int(1000) - 500]);
    b.set(base, g.rng.bool() ? g.rng.u64() : g.value(64));
    b.set(index, g.rng.bool() ? g.rng.u64() : g.value(64));
    const destW = g.rng.pick([16, 32, 64, 64] as Width[]);
    const addr32 = i % 5 === 4;
    const aw: Width = addr32 ? 32 : 64;
    const dest = regName(reg(g.rng.pick(regs)).n, destW);
    const form = i % 4;
    let text: string;
    if (form === 0) text = `${disp}(%${regName(reg(base).n, aw)},%${regName(reg(index).n, aw)},${scale})`;
    else if (form === 1) text = `${disp}(%${regName(reg(base).n, aw)})`;
    else if (form === 2) text = `${disp}(,%${regName(reg(index).n, aw)},${scale})`;
    else text = `(%${regName(reg(base).n, aw)},%${regName(reg(index).n, aw)})`;
    g.add(f, b, `lea${SUFFIX[destW]} ${text}, %${dest}`, 'lea');
  }
  g.add(f, g.c(), 'leaq 16(%rsp), %rax', 'lea');
  g.add(f, g.c(), 'leaq -8(%rsp,%rbx,2), %rdx', 'lea');
  g.add(f, g.c(), 'leaq 24(%rip), %rcx', 'lea');
  g.add(f, g.c(), 'leaq MEMADDR(%rip), %r10', 'lea');
  g.add(f, g.c(), 'leal 0x7fffffff(%rip), %r10d', 'lea');
  const bi = g.c().set('rbx', g.rng.u64()).set('rcx', g.rng.u64());
  bi.intel = true;
  g.add(f, bi, 'lea edx, [rbx+rcx*8-0x10]', 'lea');
}

const ALU_OPS = ['add', 'adc', 'sub', 'sbb', 'cmp', 'and', 'or', 'xor', 'test'] as const;

export function aluFamily(g: Generator): void {
  for (const op of ALU_OPS) {
    const f = op;
    const usesCarry = op === 'adc' || op === 'sbb';
    for (const w of WIDTHS) {
      const pairList = PAIRS[w];
      // reg, reg
      g.pairs(w, 24).forEach(([a, bv], i) => {
        const [d, s] = pairList[i % pairList.length];
        const carries = usesCarry ? [0, CF] : [-1];
        for (const cf of carries) {
          const b = g.c().set(d, a).set(s, bv);
          if (cf >= 0) b.flags(cf, CF ^ cf);
          g.add(f, b, `${op}${SUFFIX[w]} %${s}, %${d}`, op, { width: w });
        }
      });
      // reg, imm (imm8 sign-extended, full immediates, accumulator short forms)
      const immW = w === 64 ? 32 : w;
      for (let i = 0; i < 12; i++) {
        const d = i % 3 === 0 ? regName(0, w) : g.rng.pick(pairList)[0];
        const iv = i % 2 === 0 ? toUnsigned(BigInt(g.rng.int(256) - 128), immW) : g.value(immW);
        const b = g.c().set(d, g.value(w));
        g.add(f, b, `${op}${SUFFIX[w]} ${imm(iv, immW)}, %${d}`, op, { width: w });
      }
      // memory forms
      for (let i = 0; i < 6; i++) {
        const [d, s] = g.rng.pick(pairList);
        const b = g.c().set(s, g.value(w));
        const m = g.memOperand(b, w, { avoid: [d, s] });
        b.setMem(m.off, w, g.value(w));
        g.add(f, b, `${op}${SUFFIX[w]} %${s}, ${m.text}`, op, { width: w });
        if (op !== 'test') {
          const b2 = g.c().set(d, g.value(w));
          const m2 = g.memOperand(b2, w, { avoid: [d, s] });
          b2.setMem(m2.off, w, g.value(w));
          g.add(f, b2, `${op}${SUFFIX[w]} ${m2.text}, %${d}`, op, { width: w });
        }
        const b3 = g.c();
        const m3 = g.memOperand(b3, w);
        b3.setMem(m3.off, w, g.value(w));
        g.add(f, b3, `${op}${SUFFIX[w]} ${imm(g.value(immW), immW)}, ${m3.text}`, op, { width: w });
      }
    }
  }
}

export function unaryFamily(g: Generator): void {
  for (const op of ['neg', 'not', 'inc', 'dec'] as const) {
    const f = op === 'not' ? 'not' : 'neg/inc/dec';
    for (const w of WIDTHS) {
      for (const v of [...edgeValues(w), g.rng.bits(w), g.rng.bits(w)]) {
        const d = g.rng.pick(PAIRS[w])[0];
        const b = g.c().set(d, v);
        g.add(f, b, `${op}${SUFFIX[w]} %${d}`, op, { width: w });
      }
      for (let i = 0; i < 4; i++) {
        const b = g.c();
        const m = g.memOperand(b, w);
        b.setMem(m.off, w, g.value(w));
        g.add(f, b, `${op}${SUFFIX[w]} ${m.text}`, op, { width: w });
      }
    }
  }
}

function shiftCounts(w: number): number[] {
  return [0, 1, 2, 3, w - 1, w, w + 1, 7, 8, 9, 16, 17, 31, 32, 33, 63, 64, 65, 255];
}

export function shiftFamily(g: Generator): void {
  for (const op of ['shl', 'shr', 'sar', 'rol', 'ror', 'rcl', 'rcr'] as const) {
    const f = ['shl', 'shr', 'sar'].includes(op) ? 'shift' : 'rotate';
    for (const w of WIDTHS) {
      const dests = PAIRS[w].map((p) => p[0]).filter((d) => reg(d).n !== 1); // CL holds the count
      // by 1 (D0/D1 form)
      for (const v of [0n, 1n, signBit(w), signBit(w) - 1n, mask(w), g.rng.bits(w), g.rng.bits(w)]) {
        const d = g.rng.pick(dests);
        g.add(f, g.c().set(d, v), `${op}${SUFFIX[w]} %${d}`, op, { width: w, count: 1 });
      }
      // by CL and by imm8, every interesting count
      for (const count of shiftCounts(w)) {
        for (const form of ['cl', 'imm', 'cl', 'imm'] as const) {
          const d = g.rng.pick(dests);
          const v = g.rng.bool() ? g.rng.bits(w) : g.value(w);
          const b = g.c().set(d, v);
          if (form === 'cl') {
            b.set('cl', BigInt(count));
            g.add(f, b, `${op}${SUFFIX[w]} %cl, %${d}`, op, { width: w, count });
          } else {
            g.add(f, b, `${op}${SUFFIX[w]} $${count}, %${d}`, op, { width: w, count });
          }
        }
      }
      // memory destinations
      for (let i = 0; i < 5; i++) {
        const count = g.rng.pick(shiftCounts(w));
        const b = g.c().set('cl', BigInt(count));
        const m = g.memOperand(b, w, { avoid: ['rcx'] });
        b.setMem(m.off, w, g.value(w));
        const src = i % 3 === 0 ? '%cl' : i % 3 === 1 ? `$${count}` : '';
        g.add(f, b, `${op}${SUFFIX[w]} ${src ? src + ', ' : ''}${m.text}`, op, { width: w, count: src ? count : 1 });
      }
      // flags dead (a compare overwrites them): compilers inline these forms
      if (op === 'rcl' || op === 'rcr') continue;
      for (const count of shiftCounts(w)) {
        for (const form of ['cl', 'imm'] as const) {
          const d = g.rng.pick(dests);
          const b = g.c().set(d, g.rng.bool() ? g.rng.bits(w) : g.value(w)).set('cl', BigInt(count));
          g.add(f, b, `${op}${SUFFIX[w]} ${form === 'cl' ? '%cl' : `$${count}`}, %${d}\ncmpq %r10, %r11`, 'cmp');
        }
      }
    }
  }
}

export function doubleShiftFamily(g: Generator): void {
  const f = 'shld/shrd';
  for (const op of ['shld', 'shrd'] as const) {
    for (const w of [16, 32, 64] as Width[]) {
      const pairs = PAIRS[w].filter(([d, s]) => reg(d).n !== 1 && reg(s).n !== 1);
      for (const count of shiftCounts(w)) {
        for (const form of ['cl', 'imm'] as const) {
          const [d, s] = g.rng.pick(pairs);
          const b = g.c().set(d, g.rng.bits(w)).set(s, g.rng.bits(w));
          const masked = count & (w === 64 ? 63 : 31);
          if (masked > w) b.undefinedReg(d);
          const cnt = form === 'cl' ? '%cl' : `$${count}`;
          if (form === 'cl') b.set('cl', BigInt(count));
          g.add(f, b, `${op}${SUFFIX[w]} ${cnt}, %${s}, %${d}`, op, { width: w, count });
        }
      }
      for (let i = 0; i < 4; i++) {
        const count = g.rng.int(w);
        const [, s] = g.rng.pick(pairs);
        const b = g.c().set(s, g.rng.bits(w)).set('cl', BigInt(count));
        const m = g.memOperand(b, w, { avoid: [s, 'rcx'] });
        b.setMem(m.off, w, g.rng.bits(w));
        const cnt = i % 2 ? '%cl' : `$${count}`;
        g.add(f, b, `${op}${SUFFIX[w]} ${cnt}, %${s}, ${m.text}`, op, { width: w, count });
      }
    }
  }
}

export function mulFamily(g: Generator): void {
  const f = 'mul/imul';
  for (const op of ['mul', 'imul'] as const) {
    for (const w of WIDTHS) {
      // one-operand form: rdx:rax = rax * src
      const srcs = w === 8 ? ['cl', 'bh', 'r9b', 'al'] : [regName(1, w), regName(9, w), regName(3, w)];
      for (const [a, bv] of g.pairs(w, 16)) {
        const s = g.rng.pick(srcs);
        const b = g.c().set(regName(0, w), a).set(s, bv);
        g.add(f, b, `${op}${SUFFIX[w]} %${s}`, op, { width: w });
      }
      for (let i = 0; i < 4; i++) {
        const b = g.c().set(regName(0, w), g.value(w));
        const m = g.memOperand(b, w, { avoid: ['rax', 'rdx'] });
        b.setMem(m.off, w, g.value(w));
        g.add(f, b, `${op}${SUFFIX[w]} ${m.text}`, op, { width: w });
      }
    }
  }
  // two- and three-operand imul
  for (const w of [16, 32, 64] as Width[]) {
    for (const [a, bv] of g.pairs(w, 16)) {
      const [d, s] = g.rng.pick(PAIRS[w]);
      const b = g.c().set(d, a).set(s, bv);
      g.add(f, b, `imul${SUFFIX[w]} %${s}, %${d}`, 'imul', { width: w });
    }
    const immW = w === 64 ? 32 : w;
    for (let i = 0; i < 12; i++) {
      const [d, s] = g.rng.pick(PAIRS[w]);
      const iv = i % 2 ? toUnsigned(BigInt(g.rng.int(256) - 128), immW) : g.value(immW);
      const b = g.c().set(s, g.value(w)).set(d, g.rng.bits(w));
      g.add(f, b, `imul${SUFFIX[w]} ${imm(iv, immW)}, %${s}, %${d}`, 'imul', { width: w });
    }
    for (let i = 0; i < 4; i++) {
      const [d] = g.rng.pick(PAIRS[w]);
      const b = g.c().set(d, g.value(w));
      const m = g.memOperand(b, w, { avoid: [d] });
      b.setMem(m.off, w, g.value(w));
      g.add(f, b, `imul${SUFFIX[w]} ${m.text}, %${d}`, 'imul', { width: w });
      const b2 = g.c();
      const m2 = g.memOperand(b2, w, { avoid: [d] });
      b2.setMem(m2.off, w, g.value(w));
      g.add(f, b2, `imul${SUFFIX[w]} ${imm(g.value(immW), immW)}, ${m2.text}, %${d}`, 'imul', { width: w });
    }
  }
}

/** Dividend halves and divisor for which DIV/IDIV do not raise #DE. */
function divOperands(g: Generator, op: 'div' | 'idiv', w: number): { hi: bigint; lo: bigint; d: bigint } {
  const W = BigInt(w);
  if (op === 'div') {
    const d = g.rng.bool() ? g.rng.pick([1n, 2n, 3n, mask(w), signBit(w), 10n]) : g.rng.bits(w) || 1n;
    const hi = g.rng.bool() ? 0n : g.rng.bits(w) % d;
    const lo = g.rng.bool() ? g.rng.pick([0n, mask(w), signBit(w)]) : g.rng.bits(w);
    return { hi, lo, d };
  }
  const min = -signBit(w);
  const max = signBit(w) - 1n;
  for (;;) {
    let d = toSigned(g.rng.bool() ? g.rng.pick([1n, mask(w), 2n, mask(w) - 1n, signBit(w), signBit(w) - 1n, 7n]) : g.rng.bits(w), w);
    if (d === 0n) d = 3n;
    let q = toSigned(g.rng.bool() ? g.rng.pick([0n, 1n, mask(w), signBit(w), signBit(w) - 1n]) : g.rng.bits(w) >> BigInt(g.rng.int(w)), w);
    const absD = d < 0n ? -d : d;
    let r = absD > 1n ? g.rng.bits(w) % absD : 0n;
    if (q < min || q > max) q = 0n;
    const prod = q * d;
    if (prod < 0n || (prod === 0n && g.rng.bool())) r = -r;
    const dividend = prod + r;
    // truncating division must give back q
    const quotient = dividend / d;
    if (quotient < min || quotient > max) continue;
    const u = toUnsigned(dividend, 2 * w);
    return { hi: u >> W, lo: u & mask(w), d: toUnsigned(d, w) };
  }
}

export function divFamily(g: Generator): void {
  const f = 'div/idiv';
  for (const op of ['div', 'idiv'] as const) {
    for (const w of WIDTHS) {
      for (let i = 0; i < 48; i++) {
        const { hi, lo, d } = divOperands(g, op, w);
        const b = g.c();
        if (w === 8) b.set('ax', (hi << 8n) | lo);
        else b.set(regName(0, w), lo).set(regName(2, w), hi);
        if (i < 40) {
          const s = w === 8 ? g.rng.pick(['cl', 'bh', 'r9b']) : regName(g.rng.pick([1, 3, 9, 14]), w);
          b.set(s, d);
          g.add(f, b, `${op}${SUFFIX[w]} %${s}`, op, { width: w });
        } else {
          const m = g.memOperand(b, w, { avoid: ['rax', 'rdx'] });
          b.setMem(m.off, w, d);
          g.add(f, b, `${op}${SUFFIX[w]} ${m.text}`, op, { width: w });
        }
      }
    }
  }
}

/**
 * 32- and 64-bit DIV/IDIV on the values where division helpers go wrong:
 * 0, 1, 2^32±1, 2^53±1 (where doubles stop being exact), 2^63, 2^64−1 and
 * their negatives, INT_MIN; dividends RDX:RAX with RDX zero or the sign
 * extension of RAX (what C's `/` and `%` compile to) and with RDX a large
 * remainder (a real 128-bit dividend). Every combination that does not
 * raise #DE (those are in faults.ts).
 */
export function divEdgeFamily(g: Generator): void {
  const f = 'div/idiv edges';
  const E = [0n, 1n, 2n, 7n, 10n, (1n << 32n) - 1n, 1n << 32n, (1n << 32n) + 1n, (1n << 53n) - 1n, 1n << 53n, (1n << 53n) + 1n,
    (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n];
  const values = [...E, ...E.slice(2).map((v) => -v)];
  for (const w of [32, 64] as Width[]) {
    const W = BigInt(w);
    const dividendBits = 2n * W;
    for (const op of ['div', 'idiv'] as const) {
      for (const nv of values) {
        for (const dv of values) {
          const d = toUnsigned(dv, w);
          if (d === 0n) continue;
          const dividends: bigint[] = [];
          if (op === 'div') {
            const lo = toUnsigned(nv, w);
            dividends.push(lo, ((d - 1n) << W) | lo); // high half zero; high half the largest that does not overflow
          } else {
            const n = toSigned(toUnsigned(nv, w), w);
            dividends.push(toUnsigned(n, 2 * w)); // sign-extended (cqo / cdq)
            // q·d + r with 0 ≤ |r| < |d| on the side of q·d: truncating gives back q = n, RDX is not just a sign
            const ds = toSigned(d, w), abs = (x: bigint) => (x < 0n ? -x : x);
            const prod = n * ds, r = abs(nv >> 3n) % abs(ds);
            dividends.push(toUnsigned(prod + (prod < 0n ? -r : r), 2 * w));
          }
          for (const u of dividends) {
            const q = op === 'div' ? u / d : toSigned(u, Number(dividendBits)) / toSigned(d, w);
            if (op === 'div' ? q > mask(w) : q < -signBit(w) || q > signBit(w) - 1n) continue; // #DE
            const b = g.c().set(regName(0, w), u & mask(w)).set(regName(2, w), (u >> W) & mask(w)).set(regName(1, w), d);
            g.add(f, b, `${op}${SUFFIX[w]} %${regName(1, w)}`, op, { width: w });
          }
        }
      }
    }
  }
  // the 64×64 → 128 multiplies on the same values
  for (const av of values) {
    for (const bv of values) {
      const b = g.c().set('rax', toUnsigned(av, 64)).set('rcx', toUnsigned(bv, 64));
      g.add('mul/imul edges', b, av & 1n ? 'mulq %rcx' : 'imulq %rcx', av & 1n ? 'mul' : 'imul', { width: 64 });
      const b2 = g.c().set('rax', toUnsigned(av, 64)).set('rcx', toUnsigned(bv, 64));
      g.add('mul/imul edges', b2, 'imulq %rcx, %rax', 'imul', { width: 64 });
    }
  }
}

export function signExtendFamily(g: Generator): void {
  const f = 'cbw/cwd/cqo';
  const forms: [string, number][] = [['cbw', 8], ['cwde', 16], ['cdqe', 32], ['cwd', 16], ['cdq', 32], ['cqo', 64]];
  for (const [mn, w] of forms) {
    for (const v of [0n, 1n, signBit(w) - 1n, signBit(w), mask(w), g.rng.bits(w), g.rng.bits(w), g.rng.bits(w)]) {
      const b = g.c().set(regName(0, w as Width), v);
      g.add(f, b, mn, mn);
    }
  }
}

const CONDITIONS = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
/** The flags that decide each group of conditions; every combination of them gets a case. */
const CONDITION_FLAGS: Record<string, number[]> = {
  o: [OF], no: [OF], b: [CF], ae: [CF], e: [ZF], ne: [ZF], be: [CF, ZF], a: [CF, ZF], s: [SF], ns: [SF],
  p: [PF], np: [PF], l: [SF, OF], ge: [SF, OF], le: [ZF, SF, OF], g: [ZF, SF, OF],
};

function flagCombos(flags: number[]): number[] {
  const out: number[] = [];
  for (let m = 0; m < 1 << flags.length; m++) out.push(flags.reduce((acc, f, i) => (m & (1 << i) ? acc | f : acc), 0));
  return out;
}

export function setccFamily(g: Generator): void {
  const f = 'setcc';
  const dests = ['al', 'ah', 'bl', 'ch', 'sil', 'r10b', 'r15b', 'dh'];
  for (const cc of CONDITIONS) {
    const relevant = CONDITION_FLAGS[cc];
    for (const set of flagCombos(relevant)) {
      for (let i = 0; i < 2; i++) {
        const b = g.c();
        b.rflags = (b.randomFlags() & ~relevant.reduce((a, x) => a | x, 0)) | set;
        g.add(f, b, `set${cc} %${g.rng.pick(dests)}`, 'setcc');
      }
    }
    const b = g.c();
    const m = g.memOperand(b, 8);
    g.add(f, b, `set${cc} ${m.text}`, 'setcc');
  }
}

export function cmovFamily(g: Generator): void {
  const f = 'cmovcc';
  for (const cc of CONDITIONS) {
    const relevant = CONDITION_FLAGS[cc];
    for (const w of [16, 32, 64] as Width[]) {
      for (const set of flagCombos(relevant)) {
        const [d, s] = g.rng.pick(PAIRS[w]);
        const b = g.c().set(d, g.rng.bits(w)).set(s, g.rng.bits(w));
        b.rflags = (b.randomFlags() & ~relevant.reduce((a, x) => a | x, 0)) | set;
        g.add(f, b, `cmov${cc}${SUFFIX[w]} %${s}, %${d}`, 'cmovcc');
      }
      for (let i = 0; i < 2; i++) {
        const [d] = g.rng.pick(PAIRS[w]);
        const b = g.c();
        const m = g.memOperand(b, w, { avoid: [d] });
        g.add(f, b, `cmov${cc}${SUFFIX[w]} ${m.text}, %${d}`, 'cmovcc');
      }
    }
  }
}

export function jccFamily(g: Generator): void {
  const f = 'jcc';
  for (const cc of CONDITIONS) {
    const relevant = CONDITION_FLAGS[cc];
    for (const set of flagCombos(relevant)) {
      const b = g.c();
      b.rflags = (b.randomFlags() & ~relevant.reduce((a, x) => a | x, 0)) | set;
      // short and near forms
      const far = g.rng.bool();
      g.add(f, b, `j${cc} 1f\nmovq $1, %r8\n${far ? '.skip 200, 0x90\n' : ''}1:`, 'mov');
    }
  }
  for (const [text, rcx] of [['jrcxz 1f\nmovq $1, %r8\n1:', 0n], ['jrcxz 1f\nmovq $1, %r8\n1:', 1n << 40n],
    ['jecxz 1f\nmovq $1, %r8\n1:', 1n << 40n], ['jecxz 1f\nmovq $1, %r8\n1:', 5n],
    ['2: incq %r8\nloop 2b', 5n], ['2: incq %r8\nloop 2b', 1n], ['2: incq %r8\ncmpq $3, %r8\nloopne 2b', 9n]] as [string, bigint][]) {
    const b = g.c().set('rcx', rcx).set('r8', 0n);
    g.add(f, b, text, text.includes('cmpq') ? 'cmp' : text.includes('inc') ? 'inc' : 'mov', { width: 64 });
  }
}

/** One step of a flag sequence: what it reads, which flags it writes. */
interface SeqOp { text: (w: Width, d: string, s: string) => string; op: string; reads: number; writes: number }

const ALL6 = ARITH_FLAGS;
const SEQ_OPS: SeqOp[] = [
  ...['add', 'sub', 'cmp', 'and', 'or', 'xor', 'test'].map((op) => ({ text: (w: Width, d: string, s: string) => `${op}${SUFFIX[w]} %${s}, %${d}`, op, reads: 0, writes: ALL6 })),
  ...['adc', 'sbb'].map((op) => ({ text: (w: Width, d: string, s: string) => `${op}${SUFFIX[w]} %${s}, %${d}`, op, reads: CF, writes: ALL6 })),
  ...['inc', 'dec'].map((op) => ({ text: (w: Width, d: string) => `${op}${SUFFIX[w]} %${d}`, op, reads: 0, writes: ALL6 & ~CF })),
  { text: (w, d) => `neg${SUFFIX[w]} %${d}`, op: 'neg', reads: 0, writes: ALL6 },
  ...['shl', 'shr', 'sar'].map((op) => ({ text: (w: Width, d: string) => `${op}${SUFFIX[w]} %${d}`, op, reads: 0, writes: ALL6 })),
  ...['rcl', 'rcr'].map((op) => ({ text: (w: Width, d: string) => `${op}${SUFFIX[w]} %${d}`, op, reads: CF, writes: CF | OF })),
  ...['rol', 'ror'].map((op) => ({ text: (w: Width, d: string) => `${op}${SUFFIX[w]} %${d}`, op, reads: 0, writes: CF | OF })),
  { text: (w, d, s) => `bt${SUFFIX[w === 8 ? 16 : w]} %${regName(reg(s).n, w === 8 ? 16 : w)}, %${regName(reg(d).n, w === 8 ? 16 : w)}`, op: 'bt', reads: 0, writes: ALL6 & ~ZF },
  { text: (w, d, s) => `imul${SUFFIX[w === 8 ? 16 : w]} %${regName(reg(s).n, w === 8 ? 16 : w)}, %${regName(reg(d).n, w === 8 ? 16 : w)}`, op: 'imul', reads: 0, writes: ALL6 },
  { text: (w, d, s) => `lea${SUFFIX[w === 8 ? 64 : w]} 1(%${regName(reg(s).n, 64)}), %${regName(reg(d).n, w === 8 ? 64 : w)}`, op: 'lea', reads: 0, writes: 0 },
];

/**
 * Short straight-line sequences that produce flags and consume them (setcc,
 * cmovcc, adc/sbb, rcl/rcr) inside one compiled block, for compilers that
 * compute flags lazily or drop dead ones. A consumer is only emitted when the
 * flags it reads are defined at that point.
 */
export function flagSequenceFamily(g: Generator): void {
  const f = 'flag-sequences';
  const regs = ['rax', 'rbx', 'rdx', 'rsi', 'r9', 'r12'];
  for (let n = 0; n < 400; n++) {
    const b = g.c();
    for (const r of regs) b.set(r, g.rng.bool() ? g.value(64) : g.rng.u64());
    let undef = 0;
    const lines: string[] = [];
    const len = 3 + g.rng.int(6);
    while (lines.length < len) {
      const w = g.rng.pick(WIDTHS);
      const d = regName(reg(g.rng.pick(regs)).n, w);
      const s = regName(reg(g.rng.pick(regs)).n, w);
      if (g.rng.int(3) === 0) {
        // consumer: setcc / cmovcc
        const cc = g.rng.pick(CONDITIONS);
        const reads = CONDITION_FLAGS[cc].reduce((a, x) => a | x, 0);
        if (reads & undef) continue;
        lines.push(g.rng.bool() ? `set${cc} %${regName(reg(d).n, 8)}` : `cmov${cc}${SUFFIX[w === 8 ? 32 : w]} %${regName(reg(s).n, w === 8 ? 32 : w)}, %${regName(reg(d).n, w === 8 ? 32 : w)}`);
        continue;
      }
      const op = g.rng.pick(SEQ_OPS);
      if (op.reads & undef) continue;
      lines.push(op.text(w, d, s));
      undef = (undef & ~op.writes) | undefinedFlags(op.op, { width: w, count: 1 });
    }
    g.addWithMask(f, b, lines.join('\n'), undef);
  }
}

export function exchangeFamily(g: Generator): void {
  const f = 'xchg/cmpxchg/xadd';
  // xchg
  for (const text of ['xchgq %rcx, %rax', 'xchgq %r8, %rax', 'xchgl %eax, %eax', 'xchgl %ecx, %eax', 'xchgl %ebx, %r9d',
    'xchgw %ax, %ax', 'xchgw %dx, %ax', 'xchgw %si, %r11w', 'xchgb %ah, %bl', 'xchgb %al, %ah', 'xchgb %sil, %r12b',
    'xchgq %rdx, %r15', 'xchgl %r10d, %r10d']) {
    g.add(f, g.c(), text, 'xchg');
  }
  for (const w of WIDTHS) {
    for (let i = 0; i < 3; i++) {
      const [d] = g.rng.pick(PAIRS[w]);
      const b = g.c();
      const m = g.memOperand(b, w, { avoid: [d] });
      g.add(f, b, `xchg${SUFFIX[w]} %${d}, ${m.text}`, 'xchg');
    }
  }
  // cmpxchg: equal and unequal, register and memory destinations
  for (const w of WIDTHS) {
    const acc = regName(0, w);
    const pairs = PAIRS[w].filter(([d, s]) => reg(d).n !== 0 && reg(s).n !== 0 && !(w === 8 && (reg(d).high || reg(s).high)));
    for (let i = 0; i < 8; i++) {
      const equal = i % 2 === 0;
      const [d, s] = g.rng.pick(pairs);
      const b = g.c().set(d, g.value(w)).set(s, g.value(w));
      b.set(acc, equal ? b.get(d) : g.rng.bits(w));
      g.add(f, b, `cmpxchg${SUFFIX[w]} %${s}, %${d}`, 'cmpxchg', { width: w });
    }
    for (let i = 0; i < 4; i++) {
      const equal = i % 2 === 0;
      const [, s] = g.rng.pick(pairs);
      const b = g.c().set(s, g.value(w));
      const m = g.memOperand(b, w, { avoid: [s, 'rax'] });
      const v = g.value(w);
      b.setMem(m.off, w, v);
      b.set(acc, equal ? v : v ^ 1n);
      g.add(f, b, `cmpxchg${SUFFIX[w]} %${s}, ${m.text}`, 'cmpxchg', { width: w });
    }
    // accumulator as the source or the destination
    const b = g.c().set(regName(0, w), g.value(w));
    g.add(f, b, `cmpxchg${SUFFIX[w]} %${regName(3, w)}, %${acc}`, 'cmpxchg', { width: w });
  }
  // cmpxchg8b / cmpxchg16b
  for (const [mn, w] of [['cmpxchg8b', 64], ['cmpxchg16b', 128]] as [string, number][]) {
    for (const equal of [true, false, true, false]) {
      const b = g.c();
      const half = w / 2;
      const off = 16 * (1 + g.rng.int(5));
      b.ptr('rsi', off);
      const v = g.rng.bits(w);
      b.setMem(off, half, v & mask(half)).setMem(off + half / 8, half, v >> BigInt(half));
      const cmp = equal ? v : v ^ (1n << BigInt(g.rng.int(w)));
      b.set(half === 32 ? 'eax' : 'rax', cmp & mask(half)).set(half === 32 ? 'edx' : 'rdx', cmp >> BigInt(half));
      g.add(f, b, `${mn} (%rsi)`, mn);
    }
  }
  // xadd
  for (const w of WIDTHS) {
    for (let i = 0; i < 6; i++) {
      const [d, s] = PAIRS[w][i % PAIRS[w].length];
      const b = g.c().set(d, g.value(w)).set(s, g.value(w));
      g.add(f, b, `xadd${SUFFIX[w]} %${s}, %${d}`, 'xadd', { width: w });
    }
    for (let i = 0; i < 3; i++) {
      const [, s] = g.rng.pick(PAIRS[w]);
      const b = g.c().set(s, g.value(w));
      const m = g.memOperand(b, w, { avoid: [s] });
      b.setMem(m.off, w, g.value(w));
      g.add(f, b, `xadd${SUFFIX[w]} %${s}, ${m.text}`, 'xadd', { width: w });
    }
  }
}

export function lockFamily(g: Generator): void {
  const f = 'lock';
  const binary = ['add', 'adc', 'sub', 'sbb', 'and', 'or', 'xor', 'xadd', 'cmpxchg', 'xchg'];
  for (const w of WIDTHS) {
    for (const op of binary) {
      for (let i = 0; i < 2; i++) {
        const s = regName(g.rng.pick([1, 3, 10]), w);
        const b = g.c().set(s, g.value(w));
        const m = g.memOperand(b, w, { avoid: [s, 'rax'] });
        const v = g.value(w);
        b.setMem(m.off, w, v);
        if (op === 'cmpxchg') b.set(regName(0, w), i ? v : g.rng.bits(w));
        if (op === 'xchg') g.add(f, b, `xchg${SUFFIX[w]} %${s}, ${m.text}`, op, { width: w });
        else g.add(f, b, `lock ${op}${SUFFIX[w]} %${s}, ${m.text}`, op, { width: w });
      }
    }
    for (const op of ['inc', 'dec', 'neg', 'not']) {
      const b = g.c();
      const m = g.memOperand(b, w);
      b.setMem(m.off, w, g.value(w));
      g.add(f, b, `lock ${op}${SUFFIX[w]} ${m.text}`, op, { width: w });
    }
    const b = g.c();
    const m = g.memOperand(b, w);
    g.add(f, b, `lock add${SUFFIX[w]} ${imm(g.value(w === 64 ? 32 : w), w === 64 ? 32 : w)}, ${m.text}`, 'add', { width: w });
    if (w >= 16) {
      for (const op of ['bts', 'btr', 'btc']) {
        const b2 = g.c().set(regName(1, w), BigInt(g.rng.int(128) - 64));
        b2.ptr('rsi', 64);
        g.add(f, b2, `lock ${op}${SUFFIX[w]} %${regName(1, w)}, (%rsi)`, op, { width: w });
        const b3 = g.c().ptr('rsi', 32);
        g.add(f, b3, `lock ${op}${SUFFIX[w]} $${g.rng.int(256)}, (%rsi)`, op, { width: w });
      }
    }
  }
  const b = g.c();
  b.ptr('rsi', 48);
  b.set('rax', b.getMem(48, 64)).set('rdx', b.getMem(56, 64));
  g.add(f, b, 'lock cmpxchg16b (%rsi)', 'cmpxchg16b');
}

export function bitTestFamily(g: Generator): void {
  const f = 'bt/bts/btr/btc';
  for (const op of ['bt', 'bts', 'btr', 'btc']) {
    for (const w of [16, 32, 64] as Width[]) {
      const pairs = PAIRS[w].filter(([d, s]) => d !== s);
      // register destination: bit offset taken modulo the width
      for (let i = 0; i < 8; i++) {
        const [d, s] = g.rng.pick(pairs);
        const b = g.c().set(d, g.rng.bits(w)).set(s, g.rng.bool() ? BigInt(g.rng.int(2 * w)) : g.rng.bits(w));
        g.add(f, b, `${op}${SUFFIX[w]} %${s}, %${d}`, op, { width: w });
      }
      for (const bit of [0, 1, w - 1, w, w + 3, 255]) {
        const [d] = g.rng.pick(pairs);
        g.add(f, g.c(), `${op}${SUFFIX[w]} $${bit}, %${d}`, op, { width: w });
      }
      // memory destination: a register bit offset is signed and may leave the operand
      for (let i = 0; i < 6; i++) {
        const bitOff = BigInt(g.rng.int(1024) - 512);
        const b = g.c().set(regName(2, w), bitOff).ptr('rbx', 64);
        g.add(f, b, `${op}${SUFFIX[w]} %${regName(2, w)}, (%rbx)`, op, { width: w });
      }
      for (let i = 0; i < 3; i++) {
        const b = g.c().ptr('rbx', 8 * g.rng.int(12));
        g.add(f, b, `${op}${SUFFIX[w]} $${g.rng.int(256)}, (%rbx)`, op, { width: w });
      }
    }
  }
}

export function bitScanFamily(g: Generator): void {
  const f = 'bsf/bsr/tzcnt/lzcnt/popcnt';
  for (const op of ['bsf', 'bsr', 'tzcnt', 'lzcnt', 'popcnt']) {
    for (const w of [16, 32, 64] as Width[]) {
      const values = [0n, 1n, signBit(w), mask(w), 0x10n, 1n << BigInt(g.rng.int(w)), g.rng.bits(w), g.rng.bits(w) >> BigInt(g.rng.int(w))];
      for (const v of values) {
        const [d, s] = g.rng.pick(PAIRS[w].filter(([x, y]) => x !== y));
        const b = g.c().set(s, v);
        // BSF/BSR with a zero source leave the destination undefined (Intel SDM; AMD keeps it)
        if (v === 0n && (op === 'bsf' || op === 'bsr')) b.undefinedReg(d);
        g.add(f, b, `${op}${SUFFIX[w]} %${s}, %${d}`, op, { width: w });
      }
      for (let i = 0; i < 3; i++) {
        const [d] = g.rng.pick(PAIRS[w]);
        const b = g.c();
        const m = g.memOperand(b, w, { avoid: [d] });
        const v = i === 0 ? 0n : g.rng.bits(w) >> BigInt(g.rng.int(w));
        b.setMem(m.off, w, v);
        if (v === 0n && (op === 'bsf' || op === 'bsr')) b.undefinedReg(d);
        g.add(f, b, `${op}${SUFFIX[w]} ${m.text}, %${d}`, op, { width: w });
      }
    }
  }
}

export function bswapFamily(g: Generator): void {
  const f = 'bswap';
  for (const r of ['eax', 'ebx', 'r9d', 'esi', 'r15d', 'rax', 'rcx', 'r8', 'rdi', 'r14']) {
    g.add(f, g.c(), `bswap %${r}`, 'bswap');
  }
}

export function stringFamily(g: Generator): void {
  const f = 'string';
  const sizes: [string, number][] = [['b', 1], ['w', 2], ['l', 4], ['q', 8]];
  for (const [sfx, size] of sizes) {
    const acc = regName(0, (size * 8) as Width);
    for (const df of [0, DF]) {
      for (const count of [0, 1, 2, 5]) {
        const setup = (b: CaseBuilder): void => {
          b.flags(df, DF ^ df);
          b.set('rcx', BigInt(count));
          b.bytes();
          if (df) b.ptr('rsi', 48).ptr('rdi', 112);
          else b.ptr('rsi', 8).ptr('rdi', 64);
        };
        // movs, stos, lods with rep (and once without)
        for (const mn of ['movs', 'stos', 'lods']) {
          const b = g.c();
          setup(b);
          g.add(f, b, `rep ${mn}${sfx}`, mn, { width: size * 8 });
        }
        // repe/repne cmps and scas: buffers equal up to a random element
        for (const [mn, prefix] of [['cmps', 'repe'], ['cmps', 'repne'], ['scas', 'repe'], ['scas', 'repne']]) {
          const b = g.c();
          setup(b);
          const stop = g.rng.int(count + 1);
          const src = df ? 48 : 8;
          const dst = df ? 112 : 64;
          const step = df ? -size : size;
          const w = size * 8;
          const fill = g.rng.bits(w);
          b.set(acc, fill);
          for (let k = 0; k < count; k++) {
            const same = prefix === 'repe' ? k !== stop : k === stop;
            const v = same ? fill : fill ^ BigInt(1 + g.rng.int(255));
            if (mn === 'cmps') {
              const other = g.rng.bits(w);
              b.setMem(src + k * step, w, same ? other : other ^ 1n);
              b.setMem(dst + k * step, w, other);
            } else {
              b.setMem(dst + k * step, w, v);
            }
          }
          g.add(f, b, `${prefix} ${mn}${sfx}`, mn, { width: w });
        }
      }
      for (const mn of ['movs', 'stos', 'lods', 'cmps', 'scas']) {
        const b = g.c();
        b.flags(df, DF ^ df).bytes();
        if (df) b.ptr('rsi', 48).ptr('rdi', 112);
        else b.ptr('rsi', 8).ptr('rdi', 64);
        g.add(f, b, `${mn}${sfx}`, mn, { width: size * 8 });
      }
    }
  }
  // overlapping copies: element by element semantics, not memmove
  for (const [sfx, size] of sizes) {
    for (const dist of [1, 2, 3, 7, 8, 9]) {
      for (const df of [0, DF]) {
        const count = Math.floor(40 / size);
        const b = g.c().flags(df, DF ^ df).set('rcx', BigInt(count));
        if (df) b.ptr('rsi', 120 - dist - size + 1).ptr('rdi', 120 - size + 1);
        else b.ptr('rsi', 8).ptr('rdi', 8 + dist);
        b.bytes();
        g.add(f, b, `rep movs${sfx}`, 'movs');
        if (dist === 1) {
          const b2 = g.c().flags(df, DF ^ df).set('rcx', BigInt(count)).ptr('rdi', df ? 120 - size + 1 : 8);
          b2.bytes();
          g.add(f, b2, `rep stos${sfx}`, 'stos');
        }
      }
    }
  }
  // 32-bit address size: ESI/EDI/ECX are used; the upper halves must be ignored (and get cleared)
  for (const text of ['addr32 rep movsb', 'addr32 rep stosl', 'addr32 lodsw', 'addr32 repne scasb']) {
    const b = g.c().flags(0, DF).set('rcx', (g.rng.u64() & ~0xffffffffn) | 3n);
    b.ptr('rsi', 16, g.rng.u64() & ~0xffffffffn).ptr('rdi', 80, g.rng.u64() & ~0xffffffffn);
    b.bytes();
    g.add(f, b, text, text.includes('scas') ? 'scas' : text.includes('movs') ? 'movs' : text.includes('stos') ? 'stos' : 'lods', { width: 8 });
  }
}

export function stackFamily(g: Generator): void {
  const f = 'push/pop/enter/leave';
  const stackCase = (): CaseBuilder => {
    const b = g.c().ptr('rsp', 64);
    b.bytes();
    return b;
  };
  for (const text of ['pushq %rax', 'pushq %r12', 'pushq %rsp', 'pushq $-5', 'pushq $0x12345678', 'pushq $-0x70000000',
    'pushw %ax', 'pushw $0x1234', 'pushq 8(%rsp)', 'pushq -8(%rsp)',
    'popq %rcx', 'popq %r15', 'popq %rsp', 'popw %dx', 'popq 8(%rsp)', 'popq -16(%rsp)',
    'pushq %rbx\npopq %r9', 'pushq %rsp\npopq %rsp']) {
    g.add(f, stackCase(), text, text.startsWith('push') ? 'push' : 'pop');
  }
  for (let i = 0; i < 3; i++) {
    const b = stackCase();
    b.ptr('rbx', 8 * (1 + g.rng.int(4)));
    g.add(f, b, 'pushq (%rbx)', 'push');
    const b2 = stackCase();
    b2.ptr('rbx', 8 * (1 + g.rng.int(4)));
    g.add(f, b2, 'popq (%rbx)', 'pop');
  }
  // nesting levels > 0 copy frame pointers from [rbp-8], [rbp-16], ...
  for (const [size, level] of [[0, 0], [16, 0], [8, 1], [24, 2], [0, 3]]) {
    const b = stackCase().ptr('rbp', 112);
    g.add(f, b, `enter $${size}, $${level}`, 'enter');
  }
  for (let i = 0; i < 3; i++) {
    const b = stackCase().ptr('rbp', 8 * (2 + g.rng.int(12)));
    g.add(f, b, 'leave', 'leave');
  }
  const b = stackCase().ptr('rbp', 100);
  g.add(f, b, 'enter $32, $0\nleave', 'enter');
}

// ---- flags, misc, control transfer --------------------------------------------------

export function flagOpsFamily(g: Generator): void {
  const f = 'flag-ops';
  for (let i = 0; i < 6; i++) {
    for (const text of ['clc', 'stc', 'cmc', 'cld', 'std', 'lahf', 'sahf']) {
      const b = g.c();
      if (i % 2) b.flags(DF);
      g.add(f, b, text, 'mov');
    }
    // popfq: arithmetic flags and DF from a register; pushfq: RFLAGS as a program sees it
    const v = BigInt((g.rng.u32() & (ARITH_FLAGS | DF)) | 0x202);
    g.add(f, g.c().set('rbx', v), 'pushq %rbx\npopfq', 'mov');
    g.add(f, g.c(), 'pushfq\npopq %rax', 'mov');
  }
}

export function miscFamily(g: Generator): void {
  const f = 'misc';
  for (const text of ['nop', 'nopl (%rax)', 'nopw 0(%rax,%rax,1)', 'nopw %cs:0x0(%rax,%rax,1)', '.byte 0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0',
    'endbr64', 'pause', 'lfence', 'mfence', 'sfence', 'xchgw %ax, %ax', '.byte 0xf3, 0x90']) {
    g.add(f, g.c(), text, 'mov');
  }
  for (const mn of ['prefetcht0', 'prefetcht1', 'prefetchnta', 'clflush']) {
    const b = g.c();
    const m = g.memOperand(b, 8);
    g.add(f, b, `${mn} ${m.text}`, 'mov');
  }
  for (let i = 0; i < 6; i++) {
    const b = g.c().ptr('rbx', 0).set('al', BigInt(g.rng.int(128)));
    b.bytes();
    g.add(f, b, 'xlatb', 'mov');
  }
}

export function callRetFamily(g: Generator): void {
  const f = 'call/ret';
  const stackCase = (): CaseBuilder => {
    const b = g.c().ptr('rsp', 96);
    b.bytes();
    return b;
  };
  for (const text of [
    'call 1f\n1: popq %rax',
    'leaq 1f(%rip), %rax\npushq %rax\nret\nud2\n1:',
    'leaq 1f(%rip), %rax\npushq %rax\nret $16\nud2\n1:',
    'leaq 2f(%rip), %rcx\ncall *%rcx\njmp 3f\n2: movq (%rsp), %rdx\nret\n3:',
    'leaq 2f(%rip), %rcx\nmovq %rcx, 8(%rsp)\ncall *8(%rsp)\njmp 3f\n2: popq %rdx\npushq %rdx\nret\n3:',
    'leaq 2f(%rip), %rcx\njmp *%rcx\nud2\n2: movq $7, %r9',
    'leaq 2f(%rip), %rcx\nmovq %rcx, (%rsp)\njmp *(%rsp)\nud2\n2: movq $7, %r9',
    'call 2f\njmp 3f\n2: call 4f\nret\n4: ret\n3:',
  ]) {
    g.add(f, stackCase(), text, 'mov');
  }
}

// ---- accesses that straddle a page boundary -------------------------------------------

/**
 * Memory operands split across two pages (the data buffer is placed so that
 * its byte 64 starts a page): loads, stores, read-modify-write, locked and
 * string operations, stack accesses and 16-byte SSE accesses.
 */
export function pageCrossFamily(g: Generator): void {
  const f = 'page-cross';
  const BOUNDARY = 64;
  const crossing = (size: number): number => BOUNDARY - 1 - g.rng.int(size - 1); // first byte before the boundary
  const pc = (): CaseBuilder => {
    const b = g.c();
    b.pageBoundaryAt = BOUNDARY;
    b.bytes();
    return b;
  };
  for (const w of [16, 32, 64] as Width[]) {
    const sfx = SUFFIX[w];
    const r0 = regName(0, w), r1 = regName(1, w);
    const ops: [string, string][] = [
      [`mov${sfx} (%rbx), %${r0}`, 'mov'], [`mov${sfx} %${r1}, (%rbx)`, 'mov'], [`add${sfx} %${r1}, (%rbx)`, 'add'],
      [`lock xadd${sfx} %${r1}, (%rbx)`, 'xadd'], [`xchg${sfx} %${r1}, (%rbx)`, 'xchg'], [`lock cmpxchg${sfx} %${r1}, (%rbx)`, 'cmpxchg'],
      [`not${sfx} (%rbx)`, 'not'], ['movzwl (%rbx), %edx', 'movzx'], [`bts${sfx} $${w - 1}, (%rbx)`, 'bts'], [`shl${sfx} $3, (%rbx)`, 'shl'],
    ];
    for (const [text, op] of ops) {
      const off = crossing(w / 8);
      const b = pc().ptr('rbx', off);
      if (op === 'cmpxchg' && g.rng.bool()) b.set(r0, b.getMem(off, w)); // equal: the store happens
      g.add(f, b, text, op, { width: w, count: 3 });
    }
  }
  for (const text of ['movdqu (%rbx), %xmm0', 'movdqu %xmm1, (%rbx)', 'movups (%rbx), %xmm2', 'movq (%rbx), %xmm0', 'movq %xmm1, (%rbx)',
    'addsd (%rbx), %xmm0', 'cvtsi2sdq (%rbx), %xmm3', 'pinsrw $1, (%rbx), %xmm0']) {
    const b = pc().ptr('rbx', crossing(text.includes('dqu') || text.includes('ups') ? 16 : 8));
    b.usesXmm = true;
    g.add(f, b, text, 'sse');
  }
  // string operations running over the boundary, both directions
  for (const [sfx, size] of [['b', 1], ['w', 2], ['l', 4], ['q', 8]] as [string, number][]) {
    const fwd = pc().flags(0, DF).set('rcx', BigInt(24 / size)).ptr('rsi', 52).ptr('rdi', 90);
    g.add(f, fwd, `rep movs${sfx}`, 'movs');
    const fwd2 = pc().flags(0, DF).set('rcx', BigInt(24 / size)).ptr('rsi', 8).ptr('rdi', 50);
    g.add(f, fwd2, `rep movs${sfx}`, 'movs');
    const back = pc().flags(DF).set('rcx', BigInt(24 / size)).ptr('rdi', 72);
    g.add(f, back, `rep stos${sfx}`, 'stos');
    const cmp = pc().flags(0, DF).set('rcx', BigInt(24 / size)).ptr('rsi', 52).ptr('rdi', 90);
    cmp.mem!.copyWithin(90, 52, 52 + 20);
    g.add(f, cmp, `repe cmps${sfx}`, 'cmps');
  }
  // stack accesses straddling the boundary
  for (const text of ['pushq %rax', 'popq %rcx', 'call 1f\n1: popq %rax', 'pushw %ax', 'enter $8, $1']) {
    const b = pc().ptr('rsp', text.startsWith('pop') ? BOUNDARY - 4 : BOUNDARY + 4).ptr('rbp', 100);
    g.add(f, b, text, 'push');
  }
}
