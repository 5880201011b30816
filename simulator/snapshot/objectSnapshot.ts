// In-place snapshots of an object graph (time-travel checkpoints): every
// object reachable from the roots is recorded by identity with a shallow
// copy of its contents, and a restore writes those contents back into the
// same objects. Identity is what makes it complete for a graph full of
// closures: a closure that captured an object (the machine, a Map of
// waiters) still holds that object after a restore, and sees it as it was.
// What a snapshot cannot see is state captured by closures alone — a `let`
// in a closure, or a container no object refers to; the kernel keeps such
// state in Machine.hostState for this reason.
//
// Functions are kept as they are (code, not state). Objects the policy calls
// shared (immutable ones: DWARF, ELF; or ones whose owner snapshots them
// itself: guest memory) are neither copied nor entered. A generator (a host
// function suspended in a call into the guest) cannot be copied: taking a
// snapshot then throws SnapshotBusy, and the caller tries again later.
// Anything else it does not know (a WeakMap, a promise…) is a bug: it
// throws with the path to it.

/** A snapshot cannot be taken now (a host function is suspended in a guest call); try again later. */
export class SnapshotBusy extends Error {}

export interface SnapshotPolicy {
  /** Left as they are: neither copied nor restored (immutable, or snapshotted by their owner). */
  shared(o: object): boolean;
  /** Fields left out of `o` (caches its owner drops after a restore, hooks a debugger owns). */
  skipField?(o: object, key: string | symbol): boolean;
}

type TypedArray = Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array
  | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

/** One object's contents at the snapshot. */
type Record =
  | { kind: 'object'; o: object; keys: (string | symbol)[]; values: unknown[] }
  | { kind: 'array'; o: unknown[]; values: unknown[] }
  | { kind: 'map'; o: Map<unknown, unknown>; keys: unknown[]; values: unknown[] }
  | { kind: 'set'; o: Set<unknown>; values: unknown[] }
  | { kind: 'typed'; o: TypedArray; copy: TypedArray };

const OBJECT_PROTO = Object.prototype;

export class ObjectSnapshot {
  private constructor(private readonly records: Record[], private readonly policy: SnapshotPolicy, readonly bytes: number) {}

  /** How many objects it holds. */
  get objects(): number {
    return this.records.length;
  }

  /** Record everything reachable from `roots`. Throws SnapshotBusy, or Error for what it cannot copy. */
  static take(roots: readonly object[], policy: SnapshotPolicy): ObjectSnapshot {
    const records: Record[] = [];
    const seen = new Set<object>();
    const work: { v: unknown; path: string }[] = roots.map((v, i) => ({ v, path: `root${i}` }));
    let bytes = 0;
    const visit = (v: unknown, path: string): void => {
      if (v !== null && typeof v === 'object' && !seen.has(v)) work.push({ v, path });
    };
    while (work.length > 0) {
      const { v, path } = work.pop()!;
      const o = v as object;
      if (seen.has(o)) continue;
      seen.add(o);
      if (policy.shared(o)) continue;
      if (ArrayBuffer.isView(o)) {
        if (o instanceof DataView) throw new Error(`cannot snapshot a DataView at ${path}`);
        const t = o as TypedArray;
        records.push({ kind: 'typed', o: t, copy: t.slice() });
        bytes += t.byteLength;
        continue;
      }
      if (Array.isArray(o)) {
        const values = o.slice();
        records.push({ kind: 'array', o, values });
        bytes += 8 * values.length + 32;
        values.forEach((x, i) => visit(x, `${path}[${i}]`));
        continue;
      }
      if (o instanceof Map) {
        const keys = [...o.keys()], values = [...o.values()];
        records.push({ kind: 'map', o, keys, values });
        bytes += 16 * keys.length + 32;
        keys.forEach((k) => visit(k, `${path}.key`));
        values.forEach((x, i) => visit(x, `${path}.get(${String(keys[i])})`));
        continue;
      }
      if (o instanceof Set) {
        const values = [...o];
        records.push({ kind: 'set', o, values });
        bytes += 8 * values.length + 32;
        values.forEach((x) => visit(x, `${path}.item`));
        continue;
      }
      const tag = Object.prototype.toString.call(o);
      if (tag === '[object Generator]') throw new SnapshotBusy(`a host function is suspended in a call into the guest (${path})`);
      if (tag !== '[object Object]' && tag !== '[object Error]' || o instanceof WeakMap || o instanceof WeakSet || o instanceof ArrayBuffer) {
        throw new Error(`cannot snapshot ${tag} at ${path}`);
      }
      const proto = Object.getPrototypeOf(o);
      if (proto !== OBJECT_PROTO && proto !== null && Object.prototype.toString.call(proto) !== '[object Object]') {
        throw new Error(`cannot snapshot ${tag} at ${path}`);
      }
      const frozen = Object.isFrozen(o);
      const keys: (string | symbol)[] = [];
      const values: unknown[] = [];
      for (const key of Reflect.ownKeys(o)) {
        if (policy.skipField?.(o, key)) continue;
        const d = Object.getOwnPropertyDescriptor(o, key)!;
        if (!('value' in d)) continue; // an accessor: computed from other state
        keys.push(key);
        values.push(d.value);
        visit(d.value, `${path}.${String(key)}`);
      }
      // a frozen object never changes: its contents are entered, not recorded
      if (!frozen) { records.push({ kind: 'object', o, keys, values }); bytes += 16 * keys.length + 32; }
    }
    return new ObjectSnapshot(records, policy, bytes);
  }

  /** Put every recorded object back as it was (the same objects; later additions dropped). */
  restore(): void {
    for (const r of this.records) {
      switch (r.kind) {
        case 'typed': r.o.set(r.copy as never); break;
        case 'array': {
          const a = r.o;
          a.length = r.values.length;
          for (let i = 0; i < r.values.length; i++) a[i] = r.values[i];
          break;
        }
        case 'map':
          r.o.clear();
          for (let i = 0; i < r.keys.length; i++) r.o.set(r.keys[i], r.values[i]);
          break;
        case 'set':
          r.o.clear();
          for (const v of r.values) r.o.add(v);
          break;
        case 'object': {
          const o = r.o as { [k: string | symbol]: unknown };
          // fields added since (a lazily made cache) go; skipped fields and accessors stay as they are
          const now = Reflect.ownKeys(o);
          if (now.length !== r.keys.length) {
            const kept = new Set(r.keys);
            for (const k of now) {
              if (kept.has(k) || this.policy.skipField?.(o, k)) continue;
              if ('value' in Object.getOwnPropertyDescriptor(o, k)!) delete o[k];
            }
          }
          for (let i = 0; i < r.keys.length; i++) o[r.keys[i]] = r.values[i];
          break;
        }
      }
    }
  }
}
