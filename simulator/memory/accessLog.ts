// What guest loads and stores reached since a point in time: time travel's
// stretch summaries (debug/stretchSummary.ts) ask it at each checkpoint.
//
// Two levels. Pages: a page's first load or store after start() takes the
// slow path (memory.ts empties its TLBs then), which notes the page with its
// frame. Lines: a recording memory (memory.ts recordAccesses, a debug
// session's) also stamps every 8-byte line of physical memory each load and
// store reaches with the epoch's low byte, so the summary can say which
// lines of those pages were read or written — the granularity of a data
// breakpoint. A stamp left from 256 epochs before reads as "reached" again:
// a false "may", never a missed access.

/** memory.ts PAGE_SIZE (memory.ts imports this file, so not from there). */
const PAGE_BYTES = 4096;

/** Lines of 8 bytes: LINE_SHIFT bits of an address below the line. */
export const LINE_SHIFT = 3;
/** Lines per page, and the 32-bit words of a page's line mask (line n is bit n % 32 of word n / 32). */
export const LINES_PER_PAGE = PAGE_BYTES >>> LINE_SHIFT;
export const LINE_MASK_WORDS = LINES_PER_PAGE >>> 5;

/** Pages reached (pageKey) and, for each, the mask of its lines reached. */
export type LineMasks = Map<number, Uint32Array>;

export class AccessLog {
  /** The log's epoch: 0 until start() is first called (nothing is noted). */
  epoch = 0;
  /** The stamp of this epoch, for the accessors to store: its low byte, never 0 (every line never reached). */
  readonly stamp = new Uint8Array(1);
  /** Line stamps by physical line (recording memories only). */
  readonly loadStamps: Uint8Array | null;
  readonly storeStamps: Uint8Array | null;
  /** The pages noted this epoch: (page key, frame) pairs. */
  private loaded: number[] = [];
  private stored: number[] = [];

  constructor(physBytes: number, recordLines: boolean) {
    this.loadStamps = recordLines ? new Uint8Array(physBytes >>> LINE_SHIFT) : null;
    this.storeStamps = recordLines ? new Uint8Array(physBytes >>> LINE_SHIFT) : null;
  }

  /** A new epoch: nothing reached yet. The memory must send each page's next access through its slow path. */
  start(): void {
    this.epoch++;
    if ((this.epoch & 0xff) === 0) this.epoch++;
    this.stamp[0] = this.epoch;
    this.loaded = [];
    this.stored = [];
  }

  /** A page's first load (store) of the epoch, in the slow path. */
  noteLoad(key: number, frame: number): void { this.loaded.push(key, frame); }
  noteStore(key: number, frame: number): void { this.stored.push(key, frame); }

  /**
   * The pages loaded from (stored to) this epoch, each with the lines
   * reached. `frameOf` is each page's frame now: a page whose frame changed
   * since it was noted (it was unmapped: the stamps there are another
   * page's), or any page of a memory that does not record lines, counts
   * whole.
   */
  loadedLines(frameOf: (key: number) => number | undefined): LineMasks {
    return this.lines(this.loaded, this.loadStamps, frameOf);
  }

  storedLines(frameOf: (key: number) => number | undefined): LineMasks {
    return this.lines(this.stored, this.storeStamps, frameOf);
  }

  private lines(noted: readonly number[], stamps: Uint8Array | null, frameOf: (key: number) => number | undefined): LineMasks {
    const out: LineMasks = new Map();
    const now = this.stamp[0];
    for (let n = 0; n < noted.length; n += 2) {
      const key = noted[n], frame = noted[n + 1];
      let mask = out.get(key);
      if (!mask) out.set(key, mask = new Uint32Array(LINE_MASK_WORDS));
      if (!stamps || frameOf(key) !== frame) { mask.fill(0xffffffff); continue; }
      const first = frame >>> LINE_SHIFT;
      for (let line = 0; line < LINES_PER_PAGE; line++) if (stamps[first + line] === now) mask[line >>> 5] |= 1 << (line & 31);
    }
    return out;
  }
}
