// A checkpoint of the whole booted system, for time travel: every CPU's
// registers (general, flags, XMM, x87, debug registers, FS/GS bases — the
// engine's and each task's saved copy), guest memory (pages shared with the
// previous checkpoint where unchanged), and the kernel's host state (tasks,
// run queues, the scheduler's round and PRNG, timers, workqueues, the heap,
// per-CPU data, debugfs, kprobes, hw_breakpoint slots, KStackWatch with its
// frame and shadow stacks, the clock and the event history), plus whatever
// the caller adds (a debugger's own bookkeeping of the same history).
//
// A restore puts it all back IN PLACE: the same Machine, Cpu, Task… objects
// (objectSnapshot.ts), so closures that captured them stay valid. Compiled
// code is dropped: it was compiled from memory that the restore replaced.

import type { Kernel } from './kernel';
import { ObjectSnapshot, SnapshotPolicy } from '../snapshot/objectSnapshot';
import type { MemoryImage } from '../memory/memory';
import { Memory } from '../memory/memory';
import { Cpu } from '../cpu/cpu';
import { x87StateOf } from '../cpu/helpers/x87';
import { MachineHooks } from '../kernel/hooks';
import { DebugInfo } from '../dwarf/debugInfo';
import { ElfFile } from '../elf/elfFile';
import { LoadedModule } from '../elf/moduleLoader';

export { SnapshotBusy } from '../snapshot/objectSnapshot';

/** The engine's caches and wiring: rebuilt, not restored (compiled blocks, the compiler, helpers bound to it). */
export const CPU_CACHES = new Set<string | symbol>([
  'compiler', 'wasmTier', 'dispatch', 'dispatchBlock', 'blocksByPage', 'blocksByAddress', 'coldBlocks', 'coldEntries', 'stepBlocks',
  'stepLo', 'stepHi', 'stepBlock',
  'covered', 'helpers', 'mem',
]);

/** The kernel's cache of its module's DWARF (read on first use, the same for any state of the same module). */
const KERNEL_CACHES = new Set<string | symbol>(['moduleDebugInfo', 'debugInfoOf']);

export interface CheckpointOptions {
  /** More objects to snapshot with the kernel (a debugger's state of the same history). */
  roots?: readonly object[];
  /** Fields a caller's root keeps out (its wiring to the session, instrumentation it re-applies). */
  skipField?: (o: object, key: string | symbol) => boolean;
  /** The previous checkpoint: unchanged memory pages are shared with it. */
  previous?: SystemCheckpoint;
}

export class SystemCheckpoint {
  private constructor(
    private readonly kernel: Kernel,
    private readonly objects: ObjectSnapshot,
    readonly memory: MemoryImage,
    /** Retired instructions and simulated time when it was taken. */
    readonly insns: number,
    readonly timeNs: number,
  ) {}

  /**
   * Host bytes it holds on top of the previous checkpoint (new page copies
   * and the object copies; an estimate for the object part).
   */
  get bytes(): number {
    return this.memory.newBytes + this.objects.bytes;
  }

  /** Bytes of the object copies (an estimate). */
  get objectBytes(): number {
    return this.objects.bytes;
  }

  /** Take one now (between quanta: outside Kernel.run). Throws SnapshotBusy when it cannot be taken yet. */
  static take(kernel: Kernel, opts: CheckpointOptions = {}): SystemCheckpoint {
    const m = kernel.machine;
    const policy: SnapshotPolicy = {
      shared: (o) => o instanceof Memory || o instanceof DebugInfo || o instanceof ElfFile || o instanceof LoadedModule || o instanceof MachineHooks,
      skipField: (o, key) => (o instanceof Cpu && CPU_CACHES.has(key)) || (o === kernel && KERNEL_CACHES.has(key)) ||
        (opts.skipField?.(o, key) ?? false),
    };
    const objects = ObjectSnapshot.take([kernel, x87StateOf(m.cpu), ...(opts.roots ?? [])], policy);
    const memory = m.mem.image(opts.previous?.memory);
    return new SystemCheckpoint(kernel, objects, memory, m.cpu.insnCount, m.nowNs());
  }

  /** Put the system back as it was when this was taken. */
  restore(): void {
    const m = this.kernel.machine;
    this.objects.restore();
    m.mem.restoreImage(this.memory);
    m.cpu.flushCode();
  }
}
