// A generated helper (new Function: sseFloat.ts, sseInt.ts) made on its
// first call rather than with its CPU. Every CPU built ~60 of them, parsed
// and compiled at once (~3 ms and ~150 fresh pages of a `ksw exec` start),
// and most programs call none. Blocks call a helper as a method of their
// helpers object (`H.addsd(…)`): the first call puts the real function
// there in the stub's place, so later calls go to it directly and stay
// monomorphic (V8 inlines it into the block as before). So call one only
// as a method of the object holding it (sse4.ts does so too): a plain call
// of the stub goes through it every time.

/** `build()` made on the first call; the stub then replaces itself by it in the object it was called on. */
export function lazyHelper<F extends (...args: number[]) => unknown>(build: () => F): F {
  let made: F | null = null;
  const stub = function (this: Record<string, unknown> | undefined, ...args: number[]): unknown {
    if (made === null) {
      made = build();
      if (this !== undefined && this !== null) for (const k in this) if (this[k] === stub) this[k] = made;
    }
    return made(...args);
  };
  return stub as unknown as F;
}
