// A checkpoint of a user-mode program's history, for time travel: the
// process (CPU registers and the x87 state, every thread's saved context,
// futexes, signals and their handlers, timers, the address space, open
// files with their offsets and pipes, the working directory, the seeded
// PRNGs, the simulated clock), guest memory (pages shared with the previous
// checkpoint where unchanged), the debugger's view of the same history (its
// tasks and shadow stacks), and how far into the host I/O record
// (hostJournal.ts) the history was. Restored IN PLACE like a kernel's
// (system/checkpoint.ts): the same objects, so the closures that captured
// them stay valid; compiled code is dropped.

import { ObjectSnapshot } from '../snapshot/objectSnapshot';
import type { MemoryImage } from '../memory/memory';
import { Memory } from '../memory/memory';
import { Cpu } from '../cpu/cpu';
import { x87StateOf } from '../cpu/helpers/x87';
import { DebugInfo } from '../dwarf/debugInfo';
import { ElfFile } from '../elf/elfFile';
import { HostJournal } from '../user/hostJournal';
import { CPU_CACHES } from '../system/checkpoint';
import type { TargetCheckpoint } from './target';

export class UserCheckpoint implements TargetCheckpoint {
  private constructor(
    private readonly objects: ObjectSnapshot,
    readonly memory: MemoryImage,
    readonly timeNs: number,
    /** Host operations the history had made (the journal's position). */
    readonly hostOps: number,
  ) {}

  get objectBytes(): number {
    return this.objects.bytes;
  }

  /**
   * Take one now (between runs of the CPU). `roots`: the process and the
   * debugger's objects of its history; `skipField` keeps the session's
   * wiring out of them.
   */
  static take(cpu: Cpu, mem: Memory, roots: readonly object[], timeNs: number, journal: HostJournal | undefined,
    skipField: (o: object, key: string | symbol) => boolean, previous?: UserCheckpoint): UserCheckpoint {
    const objects = ObjectSnapshot.take([x87StateOf(cpu), ...roots], {
      // the journal is the session's record of every history, not part of one
      shared: (o) => o instanceof Memory || o instanceof DebugInfo || o instanceof ElfFile || o instanceof HostJournal,
      skipField: (o, key) => (o instanceof Cpu && CPU_CACHES.has(key)) || skipField(o, key),
    });
    return new UserCheckpoint(objects, mem.image(previous?.memory), timeNs, journal?.position ?? 0);
  }

  restore(cpu: Cpu, mem: Memory, journal: HostJournal | undefined): void {
    this.objects.restore();
    mem.restoreImage(this.memory);
    cpu.flushCode();
    journal?.rewind(this.hostOps);
  }
}
