// glibc's malloc gives freed memory back to the kernel (MADV_DONTNEED) once
// its heap's free top exceeds a threshold, 128 KB at first; V8's compiler
// threads free their zones after each job and take as much again for the
// next, so each job faults its pages in afresh. glibc raises the threshold
// itself — to the size of a freed mmap'd block (up to 32 MB), twice that for
// the trim — when such a block is freed; V8 did that by chance while the
// block cache's V8 code cache lay at an unaligned offset of its file (V8
// copies unaligned cached data into a malloc'd buffer, and frees it). The
// file's regions are 16-byte aligned now (cacheRegion.ts), so a big
// program's run makes the raise on purpose: a warm kmix with the wasm tier
// took 16.1-17.6K minor page faults with the old format, 20.5-22.4K with
// the aligned one, 12.1-12.5K with this.

/** The block freed (malloc'd, never touched: mmap'd pages that are never faulted in). */
const RAISE_BYTES = 16 << 20;

let raised = false;

/**
 * Raise glibc's mmap and trim thresholds (see the top), once: a block of
 * RAISE_BYTES, allocated and dropped, is freed at a garbage collection
 * early in the run. Elsewhere than glibc nothing changes.
 */
export function raiseMallocThreshold(): void {
  if (raised) return;
  raised = true;
  Buffer.allocUnsafeSlow(RAISE_BYTES);
}
