// A block cache file's store (simulator/cli/blockCache.ts) that counts the
// blocks a run compiles into it: a warm run compiles none.

import { FileBlockStore } from '../../simulator/cli/blockCache';
import type { BundleIdentity } from '../../simulator/cli/codeCache';
import type { BlockCode } from '../../simulator/cpu/blockStore';

export function countingStore(file: string, id: BundleIdentity): { store: FileBlockStore; puts: () => number } {
  const store = new FileBlockStore(file, id);
  let n = 0;
  const put = store.put.bind(store);
  store.put = (key: string, code: BlockCode) => { n++; put(key, code); };
  return { store, puts: () => n };
}
