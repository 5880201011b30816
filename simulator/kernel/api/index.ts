// Registers every kernel API group on a machine (being filled in).
import type { Machine } from '../machine';

export function registerKernelApi(m: Machine): void {
  void m;
}
