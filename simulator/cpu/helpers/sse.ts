// SSE/SSE2 helpers (filled in by the SSE family).

import type { Cpu } from '../cpu';

export function createSseHelpers(cpu: Cpu): Record<string, unknown> {
  void cpu;
  return {};
}
