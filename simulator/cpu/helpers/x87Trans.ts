import { Ext, FpEnv, INDEFINITE } from './x87Float';
export function transcendental1(op: number, x: Ext, env: FpEnv): { v: Ext; v2?: Ext; c2?: boolean } {
  void op; void x; void env;
  return { v: INDEFINITE };
}
export function transcendental2(op: number, x: Ext, y: Ext, env: FpEnv): Ext {
  void op; void x; void y; void env;
  return INDEFINITE;
}
