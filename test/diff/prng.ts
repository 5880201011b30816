// Seeded PRNG (mulberry32) so that every run generates exactly the same cases.

export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  u32(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  u64(): bigint {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }

  /** Random value of `width` bits (unsigned). */
  bits(width: number): bigint {
    return BigInt.asUintN(width, (this.u64() << 64n) | this.u64());
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return this.u32() % n;
  }

  bool(): boolean {
    return (this.u32() & 1) === 1;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}
