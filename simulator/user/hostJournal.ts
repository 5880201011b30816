// What a user program got from the host's file system, for the debugger's
// time travel. Going forward, every host operation's result (bytes read,
// stat results, directory listings, an open's host fd or errno, a write's
// count…) is recorded in order; a replay of the same history is served
// from the record and never touches the host, so it reads what the first
// run read and writes nothing a second time. Past the end of the record the
// program meets the host again — which is then exactly as the recorded
// operations left it, because they all happened once, in this order.
//
// The simulator is deterministic: the n-th host operation of a replay is
// the n-th of the recorded history. Each entry keeps what it was (an
// operation and its path or descriptor), so a replay that asks for
// something else is reported as the bug it is, not served the wrong bytes.
//
// Host descriptors the program opened stay open across replays (a replay's
// open is given the recorded descriptor, which it uses only once it goes
// past the record); the journal closes those still open when the session ends.

import * as fs from 'node:fs';
import { hostErrno } from './errno';

/** How the file system calls reach the host: directly (`ksw exec`), or through a journal (a debug session). */
export interface HostIo {
  /** The result of `live` — run on the host now, or the one recorded for this point of the history. */
  call<T>(what: string, live: () => T): T;
  /** Inside a live call: the program opened (or closed) host descriptor `fd`. */
  opened(fd: number): void;
  closed(fd: number): void;
}

/** Straight to the host, nothing kept. */
export const DIRECT_HOST_IO: HostIo = {
  call: (_what, live) => live(),
  opened: () => {},
  closed: () => {},
};

/** `op` on the host through `io`: its result, or the host's -errno when it throws (errno.ts hostErrno). */
export function hostCall<T>(io: HostIo, what: string, op: () => T): T | number {
  return io.call(what, () => {
    try {
      return op();
    } catch (e) {
      return hostErrno(e);
    }
  });
}

/** The most bytes of results a journal keeps; beyond it the history stops being replayable. */
export const DEFAULT_JOURNAL_BYTES = 256 * 1024 * 1024;

type Entry = { what: string; value: unknown; threw: boolean };

export class HostJournal implements HostIo {
  private readonly entries: Entry[] = [];
  /** The next entry a replay serves; entries.length: the program is past the record (live). */
  private cursor = 0;
  private bytes = 0;
  private readonly open = new Set<number>();
  /** Why the history can no longer be replayed (the record stopped), or null. */
  private stopped: string | null = null;

  constructor(private readonly budgetBytes = DEFAULT_JOURNAL_BYTES) {}

  /** Operations recorded, and how many of them the machine has gone through now. */
  get length(): number {
    return this.entries.length;
  }
  get position(): number {
    return this.cursor;
  }

  /** Why a replay from the start would not be this history, or undefined. */
  get problem(): string | undefined {
    return this.stopped ?? undefined;
  }

  call<T>(what: string, live: () => T): T {
    if (this.cursor < this.entries.length) {
      const e = this.entries[this.cursor++];
      if (e.what !== what) {
        throw new Error(`the replay asked the host for ${what} where the recorded history did ${e.what} (operation ${this.cursor})`);
      }
      if (e.threw) throw e.value;
      return e.value as T;
    }
    if (this.stopped) return live();
    let value: T;
    try {
      value = live();
    } catch (err) {
      this.keep(what, err, true);
      throw err;
    }
    this.keep(what, value, false);
    return value;
  }

  opened(fd: number): void {
    this.open.add(fd);
  }

  closed(fd: number): void {
    this.open.delete(fd);
  }

  /** A replay from the start of the history begins: the record serves it from its first operation. */
  rewind(to = 0): void {
    this.cursor = Math.min(to, this.entries.length);
  }

  /**
   * The history changes from now on (the user edited memory or a register):
   * what was recorded after now is another future. Its operations did
   * happen on the host; returns how many there were.
   */
  forgetFuture(): number {
    const n = this.entries.length - this.cursor;
    for (const e of this.entries.splice(this.cursor)) this.bytes -= sizeOf(e.value);
    if (n > 0) this.stopped = null; // the record ran out in that other future
    return n;
  }

  /** The session ends or starts over: close what the program left open, forget everything. */
  reset(): void {
    for (const fd of this.open) {
      try { fs.closeSync(fd); } catch { /* an earlier write error only; nobody is left to tell */ }
    }
    this.open.clear();
    this.entries.length = 0;
    this.cursor = 0;
    this.bytes = 0;
    this.stopped = null;
  }

  private keep(what: string, value: unknown, threw: boolean): void {
    const size = sizeOf(value);
    if (this.bytes + size > this.budgetBytes) {
      this.stopped = `it has read more than ${this.budgetBytes / 1048576} MiB from the host's files, more than the debugger keeps to replay them (at ${what})`;
      return;
    }
    this.bytes += size;
    this.entries.push({ what, value, threw });
    this.cursor = this.entries.length;
  }
}

/** Bytes a recorded value holds (its byte arrays; the rest is small). */
function sizeOf(v: unknown): number {
  if (v instanceof Uint8Array) return v.byteLength + 64;
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + sizeOf(x), 64);
  if (v !== null && typeof v === 'object') return Object.values(v).reduce((n: number, x) => n + sizeOf(x), 64);
  return 16;
}
