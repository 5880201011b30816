// CONFIG_DEBUG_LIST's checks (lib/list_debug.c), which list_add() and
// list_del() call out of line in kernels built with it (Debian's are):
// __list_add_valid and __list_del_entry_valid. With
// CONFIG_BUG_ON_DATA_CORRUPTION (also Debian's) a corrupted list is a
// kernel BUG: the report line, then an oops of the calling task.

import type { Machine } from '../machine';
import { CpuFault, Vector } from '../../cpu/faults';
import { logLines } from './printk';
import { U64, readU64 } from './util';

const LIST_POISON1 = 0xdead000000000100n;
const LIST_POISON2 = 0xdead000000000122n;

/** A BUG() in kernel code: what the oops reports. */
export class KernelBug extends CpuFault {
  constructor(where: string) {
    super(Vector.UD, 'invalid opcode: 0000', `kernel BUG at ${where}!`);
  }
}

const px = (v: bigint): string => U64(v).toString(16).padStart(16, '0');

export function registerListDebug(m: Machine): void {
  const corrupt = (line: number, text: string): never => {
    logLines(m, 3, text, '------------[ cut here ]------------');
    throw new KernelBug(`lib/list_debug.c:${line}`);
  };

  m.defineHost('__list_add_valid', () => {
    const nw = U64(m.arg(0)), prev = U64(m.arg(1)), next = U64(m.arg(2));
    if (next === 0n) corrupt(23, 'list_add corruption. next is NULL.');
    if (prev === 0n) corrupt(25, 'list_add corruption. prev is NULL.');
    const nextPrev = readU64(m, next + 8n), prevNext = readU64(m, prev);
    if (nextPrev !== prev) corrupt(27, `list_add corruption. next->prev should be prev (${px(prev)}), but was ${px(nextPrev)}. (next=${px(next)}).`);
    if (prevNext !== next) corrupt(30, `list_add corruption. prev->next should be next (${px(next)}), but was ${px(prevNext)}. (prev=${px(prev)}).`);
    if (nw === prev || nw === next) corrupt(32, `list_add double add: new=${px(nw)}, prev=${px(prev)}, next=${px(next)}.`);
    return true;
  });

  m.defineHost('__list_del_entry_valid', () => {
    const entry = U64(m.arg(0));
    const next = readU64(m, entry), prev = readU64(m, entry + 8n);
    if (next === LIST_POISON1) corrupt(49, `list_del corruption, ${px(entry)}->next is LIST_POISON1 (${px(LIST_POISON1)})`);
    if (prev === LIST_POISON2) corrupt(52, `list_del corruption, ${px(entry)}->prev is LIST_POISON2 (${px(LIST_POISON2)})`);
    const prevNext = readU64(m, prev), nextPrev = readU64(m, next + 8n);
    if (prevNext !== entry) corrupt(55, `list_del corruption. prev->next should be ${px(entry)}, but was ${px(prevNext)}. (prev=${px(prev)})`);
    if (nextPrev !== entry) corrupt(58, `list_del corruption. next->prev should be ${px(entry)}, but was ${px(nextPrev)}. (next=${px(next)})`);
    return true;
  });
}
