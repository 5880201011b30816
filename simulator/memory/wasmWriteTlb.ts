// The wasm tier's write-TLB entry (Memory.wTlb; memoryOps.ts's inline store,
// missPaths.ts's store miss). A store of w bytes at ad hits inline when it
// lies in the slot's page below the page's watched range, with one add and
// one unsigned compare — as cheap as the read TLB's masked tag compare — so
// an armed canary's frame (every store of it below the canary) stays inline;
// a tag compare would send every store on the watched page to the miss path.
//
// Slot i's four i32 words: [0, 1] the i64 K = 4096 - L - page, where page is
// the page's address and L the start of its watched range (4096 when none):
// ad + K = offset + 4096 - L for an address on the page, and the store hits
// when ad + K <u 4097 - w, i.e. offset + w <= L. An address on any other page
// indexing slot i (pages i apart by a multiple of the TLB's size) is at least
// a TLB's span away: ad + K is then far outside [0, 4097). [2] the frame's
// addend (frame - the address's low word's page), [3] the watched range,
// start | end << 16 (start = end = 4096 when none).

// memory.ts's page size (not imported: memory.ts imports this module)
const PAGE_SIZE = 4096, PAGE_SHIFT = 12;

/** Word 3 of an entry whose page has no watched range (or has it muted). */
export const UNWATCHED = PAGE_SIZE | PAGE_SIZE << 16;

/** Write slot i for page p (lo >>> 12) of window hi at frame byte `frame`; `watched` start | end << 16 or UNWATCHED. */
export function writeTlbEntry(tlb: Int32Array, i: number, p: number, hi: number, frame: number, watched: number): void {
  setLimit(tlb, i, p, hi, watched);
  tlb[4 * i + 2] = (frame - (p << PAGE_SHIFT)) | 0;
}

/** Re-point slot i's hit limit and watched range (muting, unmuting) without touching its frame. */
export function setLimit(tlb: Int32Array, i: number, p: number, hi: number, watched: number): void {
  // K = -(page - (4096 - L)), in halves (no BigInt: runs on every watched call)
  const q = ((p << PAGE_SHIFT) >>> 0) - (PAGE_SIZE - (watched & 0xffff));
  const qlo = q >>> 0, qhi = hi - (q < 0 ? 1 : 0);
  tlb[4 * i] = -qlo | 0;
  tlb[4 * i + 1] = (~qhi + (qlo === 0 ? 1 : 0)) | 0;
  tlb[4 * i + 3] = watched;
}

/**
 * Slot i mapping nothing: K = -(page i + 1's address), so the window it lets
 * through is on page i + 1, whose addresses index slot i + 1, never this one.
 */
export function emptyTlbEntry(tlb: Int32Array, i: number): void {
  tlb[4 * i] = -((i + 1) << PAGE_SHIFT) | 0;
  tlb[4 * i + 1] = -1;
  tlb[4 * i + 3] = UNWATCHED;
}
