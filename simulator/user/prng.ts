// A small seeded PRNG (mulberry32) for the user-mode process: AT_RANDOM and
// getrandom bytes, and the threads' time slices. Same seed, same sequence.
// Its state is a field, not a closure's variable: a debugger's checkpoint
// (objectSnapshot.ts) copies fields and would miss a captured `let`.

export class Mulberry32 {
  private a: number;

  constructor(seed: number) {
    this.a = seed >>> 0;
  }

  next(): number {
    this.a = (this.a + 0x6d2b79f5) | 0;
    const a = this.a;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  }
}
