// Bits of the trap word T[0]: generated code leaves its block as soon as one
// is set, and the run loop looks at them between blocks. Keeping them in one
// word means the hot path pays a single load and compare per store.

export const enum TrapBit {
  /** A data breakpoint matched; #DB is delivered after the instruction. */
  DEBUG = 1,
  /** The owner asked run() to return (exit syscall, pause, IPI…). */
  STOP = 2,
  /** hlt executed. */
  HALT = 4,
  /** Code on a page with compiled blocks was written; the cache was flushed. */
  CODE_WRITE = 8,
  /** A fault was raised; details are in Cpu.pendingFault. */
  FAULT = 16,
  /** Execution mode changed (debug registers armed): the run loop re-reads it. */
  RECHECK = 32,
}
