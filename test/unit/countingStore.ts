// A block cache file's store (simulator/cli/blockCache.ts) that counts the
// blocks a run compiles into it (a warm run compiles none), and the words of
// a block cache file's header the tests look at.

import { readFileSync } from 'node:fs';
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

/** Words of a block cache file's header after its 8-byte magic (blockCache.ts HEADER). */
export const HeaderWord = { SOURCE_LENGTH: 8, DATA_LENGTH: 9, SCRIPTS: 12 } as const;

export function headerWord(file: string, word: number): number {
  return readFileSync(file).readUInt32LE(8 + 4 * word);
}
