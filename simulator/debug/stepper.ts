// Stepping one task by source line or by instruction, into, over and out
// of calls. Single steps go through the machine's debug gate (the task runs
// one instruction at a time while the others keep running); a call being
// stepped over, or a function being stepped out of, runs at full speed up
// to a probe on its return address, taken only by the same task once its
// call stack is back at the right depth (recursion returns to the same
// address from deeper frames).

import type { DebugGateAnswer } from '../kernel/machine';
import type { Task } from '../kernel/task';
import type { StepGranularity } from './types';

export type StepKind = 'in' | 'over' | 'out';

export interface StepEnv {
  /** RIP of the task (loaded in the engine while the gate or a probe asks). */
  rip(task: Task): bigint;
  /** Shadow call stack depth. */
  depth(task: Task): number;
  /** Where the innermost frame returns to (trampolines resolved), if it has a caller. */
  returnAddress(task: Task): bigint | undefined;
  line(addr: bigint): { file: string; line: number; address: bigint } | undefined;
  /** Put a probe on a return address; false when that address cannot take one. */
  addReturnProbe(addr: bigint, handler: (task: Task) => void): boolean;
  removeReturnProbe(addr: bigint): void;
  /** The step is complete: stop the machine (from inside a probe handler). */
  complete(task: Task): void;
  /** The task must run one instruction at a time from here: stop and go on at once. */
  switchToStepping(): void;
}

interface Plan {
  task: Task;
  kind: StepKind;
  granularity: StepGranularity;
  depth: number;
  line?: { file: string; line: number };
  phase: 'first' | 'stepping' | 'returning';
  /** While returning: the probe's address and the depth that counts as returned. */
  returnAddr?: bigint;
  returnDepth?: number;
}

export class Stepper {
  private plan: Plan | null = null;

  constructor(private readonly env: StepEnv) {}

  get active(): boolean {
    return this.plan !== null;
  }

  get task(): Task | null {
    return this.plan?.task ?? null;
  }

  /** Begin a step of `task`, which is stopped before its next instruction. */
  begin(task: Task, kind: StepKind, granularity: StepGranularity): void {
    this.cancel();
    const rip = this.env.rip(task);
    const loc = this.env.line(rip);
    const plan: Plan = {
      task, kind, granularity, depth: this.env.depth(task),
      line: loc ? { file: loc.file, line: loc.line } : undefined, phase: 'first',
    };
    this.plan = plan;
    if (kind === 'out') this.returnTo(plan, plan.depth - 1);
  }

  cancel(): void {
    const p = this.plan;
    if (p?.returnAddr !== undefined) this.env.removeReturnProbe(p.returnAddr);
    this.plan = null;
  }

  /** The machine's debug gate. */
  gate(task: Task): DebugGateAnswer {
    const p = this.plan;
    if (!p || task !== p.task) return 'run';
    if (p.phase === 'returning') return 'run';
    if (p.phase === 'first') { p.phase = 'stepping'; return 'step'; }
    return this.decide(p, task) ? this.finish() : this.plan?.phase === 'returning' ? 'run' : 'step';
  }

  private finish(): DebugGateAnswer {
    const p = this.plan!;
    this.cancel();
    this.env.complete(p.task);
    return 'stop';
  }

  /** After one more instruction: is the step done? (May switch to returning.) */
  private decide(p: Plan, task: Task): boolean {
    const depth = this.env.depth(task);
    if (p.granularity === 'instruction') {
      if (p.kind === 'over' && depth > p.depth) return !this.returnTo(p, p.depth);
      return true;
    }
    if (depth < p.depth) return true; // returned into the caller
    const rip = this.env.rip(task);
    if (depth > p.depth) {
      const loc = this.env.line(rip);
      if (p.kind === 'in' && loc && loc.line > 0) {
        // into a function with line info: stop once past its opening line (the prologue)
        p.depth = depth;
        p.line = { file: loc.file, line: loc.line };
        return false;
      }
      return !this.returnTo(p, p.depth);
    }
    const loc = this.env.line(rip);
    if (!loc || loc.line === 0) return false;
    if (p.line && loc.file === p.line.file && loc.line === p.line.line) return false;
    return loc.address === rip; // at the start of a new line's code
  }

  /**
   * Run the callee at full speed until it returns to its caller at `depth`.
   * False when the return address cannot take a probe (then keep stepping).
   */
  private returnTo(p: Plan, depth: number): boolean {
    const ret = this.env.returnAddress(p.task);
    if (ret === undefined) return false;
    if (!this.env.addReturnProbe(ret, (t) => this.onReturn(t))) return false;
    p.phase = 'returning';
    p.returnAddr = ret;
    p.returnDepth = depth;
    return true;
  }

  private onReturn(task: Task): void {
    const p = this.plan;
    if (!p || task !== p.task || p.phase !== 'returning') return;
    if (this.env.depth(task) > p.returnDepth!) return; // a deeper recursive call returning to the same place
    const addr = p.returnAddr!;
    p.returnAddr = undefined;
    this.env.removeReturnProbe(addr);
    if (p.kind === 'out' || p.granularity === 'instruction') {
      this.plan = null;
      this.env.complete(task);
      return;
    }
    // back in the stepped line, mid-way: go on one instruction at a time
    p.phase = 'stepping';
    this.env.switchToStepping();
  }

  /** The stepping task exited: the step cannot complete. */
  taskExited(task: Task): boolean {
    if (this.plan?.task !== task) return false;
    this.cancel();
    return true;
  }
}
