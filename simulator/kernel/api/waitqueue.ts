// Wait queue heads as Kbuild modules initialize them: init_waitqueue_head()
// and init_completion() are inline and call __init_waitqueue_head /
// __init_swait_queue_head (name and lockdep key unused). Both heads are a
// lock word then a list_head (offset 8); the list starts empty (pointing to
// itself), as inline checks such as waitqueue_active() read it. Who waits
// is kept on the host (completion.ts).

import type { Machine } from '../machine';
import { U64, writeU32, writeU64 } from './util';

const HEAD_LIST = 8n;

export function registerWaitqueue(m: Machine): void {
  const init = (): void => {
    const q = U64(m.arg(0));
    writeU32(m, q, 0);
    writeU64(m, q + HEAD_LIST, q + HEAD_LIST);
    writeU64(m, q + HEAD_LIST + 8n, q + HEAD_LIST);
  };
  m.defineHost('__init_waitqueue_head', init);
  m.defineHost('__init_swait_queue_head', init);
}
