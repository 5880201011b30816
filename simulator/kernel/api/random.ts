// Random numbers from the machine's seeded PRNG: the same seed gives the
// same numbers (and the same schedule), run after run.

import type { Machine } from '../machine';
import { writeBytes } from './util';

const CHUNK = 1 << 16;

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
    const len = m.arg(1) > 1n << 30n ? 1 << 30 : Number(m.arg(1));
    // A chunk at a time: a bad buffer faults at its first unmapped page without a huge host allocation.
    for (let done = 0; done < len; done += CHUNK) {
      const bytes = new Uint8Array(Math.min(CHUNK, len - done));
      for (let i = 0; i < bytes.length; i += 4) {
        const v = m.prng.nextU32();
        for (let k = 0; k < 4 && i + k < bytes.length; k++) bytes[i + k] = (v >>> (8 * k)) & 0xff;
      }
      writeBytes(m, buf + BigInt(done), bytes);
    }
  });
  // Older names still found in test code.
  m.defineHost('prandom_u32', () => m.prng.nextU32());
}

/** Newer kernels' small variants (get_random_u32_below inlines to these for small constant bounds); after the SDK's. */
export function registerRandomSmall(m: Machine): void {
  m.defineHost('get_random_u8', () => m.prng.nextU32() & 0xff);
  m.defineHost('get_random_u16', () => m.prng.nextU32() & 0xffff);
}
