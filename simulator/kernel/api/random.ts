// Random numbers from the machine's seeded PRNG: the same seed gives the
// same numbers (and the same schedule), run after run.

import type { Machine } from '../machine';
import { writeBytes } from './util';

/** __get_random_u32_below(): Lemire's multiply-and-reject, as Linux does (ceil 0: any u32). */
export function randomBelow(next: () => number, ceil: number): number {
  if (ceil === 0) return next();
  let mul = BigInt(next()) * BigInt(ceil);
  if (Number(mul & 0xffffffffn) < ceil) {
    const threshold = (0x100000000 - ceil) % ceil;
    while (Number(mul & 0xffffffffn) < threshold) mul = BigInt(next()) * BigInt(ceil);
  }
  return Number(mul >> 32n);
}

export function registerRandom(m: Machine): void {
  m.defineHost('get_random_u32', () => m.prng.nextU32());
  m.defineHost('get_random_u64', () => m.prng.nextU64());
  m.defineHost('get_random_u32_below', () => randomBelow(() => m.prng.nextU32(), m.argU32(0)));
  m.defineHost('get_random_bytes', () => {
    const buf = m.arg(0);
    const len = Number(m.arg(1) > 1n << 30n ? 1n << 30n : m.arg(1));
    const bytes = new Uint8Array(len);
    for (let i = 0; i < len; i += 4) {
      const v = m.prng.nextU32();
      for (let k = 0; k < 4 && i + k < len; k++) bytes[i + k] = (v >>> (8 * k)) & 0xff;
    }
    writeBytes(m, buf, bytes);
  });
  // Older names still found in test code.
  m.defineHost('prandom_u32', () => m.prng.nextU32());
}
