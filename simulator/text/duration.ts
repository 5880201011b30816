// A simulated duration as a user writes it: `600` (seconds), `1.5s`,
// `500ms`, `200us`, `10ns`. One parser for `ksw run --max-time` and the
// launch attribute `maxTime`.

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9, '': 1e9 };

/** Longest limit accepted: about 11.6 days, well inside exact double nanoseconds. */
export const MAX_DURATION_NS = 1e15;

/** Nanoseconds, or null when `text` is no positive duration up to MAX_DURATION_NS. */
export function parseDurationNs(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ns|us|ms|s|)\s*$/.exec(text);
  if (!m) return null;
  const ns = Math.round(Number(m[1]) * UNIT_NS[m[2]]);
  return ns > 0 && ns <= MAX_DURATION_NS ? ns : null;
}

/** `600 s`, `1.5 s`, `0.0005 s`: a limit as messages show it. */
export function formatSeconds(ns: number): string {
  return `${ns / 1e9} s`;
}
