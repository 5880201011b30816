// A warm run's wasm (tier.ts): the block cache's stored functions for the
// tier's layout become modules ahead of their blocks, GROUP at a time in the
// file's order (the order a run first compiled them), each group when one of
// its blocks is first asked for. So a block from the cache runs its wasm from
// its first entry: through the batches (batch.ts) it ran its JS until a
// module of 64 waiting traces was made — kmix spent 80 ms of 0.9 s in those
// JS runs, and had to compile every such block's JS for them.

/** Stored functions per module: a few modules for a program's hot code, and little validated for blocks a run never asks for. */
export const GROUP = 64;

export class StoredModules {
  /** Each stored function's place in `funcs`. */
  private readonly position = new Map<Uint8Array, number>();
  /** The functions made so far, by place; null: its group did not make a module (a damaged function: the batches sort it out). */
  private readonly runs: ((() => number) | null | undefined)[];

  /** `funcs`: the store's functions for the layout, in file order; `instantiate` makes one module of some (null: they do not). */
  constructor(private readonly funcs: readonly Uint8Array[], private readonly instantiate: (funcs: readonly Uint8Array[]) => (() => number)[] | null) {
    funcs.forEach((f, i) => this.position.set(f, i));
    this.runs = new Array(funcs.length);
  }

  /** The function made of these stored bytes (its group's module made now if need be), or null: not one of them, or its group made no module. */
  runOf(bytes: Uint8Array): (() => number) | null {
    const at = this.position.get(bytes);
    if (at === undefined) return null;
    if (this.runs[at] === undefined) {
      const start = at - (at % GROUP), group = this.funcs.slice(start, start + GROUP);
      const made = this.instantiate(group);
      for (let i = 0; i < group.length; i++) this.runs[start + i] = made === null ? null : made[i];
    }
    return this.runs[at] ?? null;
  }
}
