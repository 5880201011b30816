// What the debug runtime hands its front end (the DAP adapter): plain data,
// no DAP types, so the runtime stays usable from tests and other front ends.

/** Why the machine stopped, for the front end's `stopped` event. */
export type StopReason =
  | 'entry' | 'breakpoint' | 'function breakpoint' | 'instruction breakpoint' | 'data breakpoint'
  | 'step' | 'pause' | 'exception' | 'goto' | 'restart';

export interface StopInfo {
  reason: StopReason;
  /** Thread (task pid) the stop is about. */
  threadId: number;
  /** One line for the UI ("Stack corruption: …"). */
  description?: string;
  /** Longer text (the kernel-style report), shown with the stop. */
  text?: string;
  /** Breakpoint ids that caused it. */
  hitBreakpointIds?: number[];
}

/** exceptionInfo for an oops, panic or deadlock stop. */
export interface ExceptionDetails {
  exceptionId: string;
  description: string;
  breakMode: 'always' | 'unhandled';
  /** Full text (kernel log of the event). */
  details: string;
  stackTrace?: string;
}

export interface ThreadInfo {
  id: number;
  name: string;
}

export interface SourceRef {
  path: string;
  name: string;
}

export interface FrameInfo {
  id: number;
  name: string;
  source?: SourceRef;
  line: number;
  column: number;
  /** Hex address of the frame's instruction (the return address for callers). */
  instructionPointerReference: string;
  moduleId?: string;
  /** Kernel stubs and trampolines: shown de-emphasised. */
  subtle: boolean;
}

export interface ScopeInfo {
  name: string;
  variablesReference: number;
  presentationHint?: 'locals' | 'registers' | 'arguments';
  expensive: boolean;
  namedVariables?: number;
}

export interface VariableInfo {
  name: string;
  value: string;
  type?: string;
  variablesReference: number;
  indexedVariables?: number;
  memoryReference?: string;
  /** The value cannot be changed with setVariable. */
  readOnly?: boolean;
  evaluateName?: string;
}

export interface BreakpointResult {
  id: number;
  verified: boolean;
  message?: string;
  source?: SourceRef;
  line?: number;
  instructionReference?: string;
}

export interface SourceBreakpointSpec {
  line: number;
  condition?: string;
  hitCondition?: string;
  logMessage?: string;
}

export interface FunctionBreakpointSpec {
  name: string;
  condition?: string;
  hitCondition?: string;
}

export interface InstructionBreakpointSpec {
  instructionReference: string;
  offset?: number;
  condition?: string;
  hitCondition?: string;
}

export type DataAccess = 'write' | 'readWrite';

export interface DataBreakpointInfoResult {
  dataId: string | null;
  description: string;
  accessTypes?: DataAccess[];
}

export interface DataBreakpointSpec {
  dataId: string;
  accessType?: 'read' | 'write' | 'readWrite';
  condition?: string;
  hitCondition?: string;
}

export interface OutputInfo {
  category: 'console' | 'stdout' | 'stderr' | 'important';
  text: string;
  source?: SourceRef;
  line?: number;
}

export interface EvaluateResult {
  result: string;
  type?: string;
  variablesReference: number;
  memoryReference?: string;
}

export interface DisassembledInstruction {
  address: string;
  instructionBytes?: string;
  instruction: string;
  symbol?: string;
  location?: SourceRef;
  line?: number;
  presentationHint?: 'normal' | 'invalid';
}

export interface ModuleInfo {
  id: string;
  name: string;
  path?: string;
  addressRange?: string;
  symbolStatus?: string;
}

export interface ReadMemoryResult {
  address: string;
  /** Bytes that could be read (from the start). */
  data: Uint8Array;
  unreadableBytes: number;
}

/** A stack watch as the Stack Watches view shows it. */
export interface StackWatchInfo {
  id: number;
  config: string;
  verified: boolean;
  message?: string;
  function?: string;
  offset?: string;
  depth?: number;
  hits: number;
  /** Watchpoints armed for it now. */
  armed: WatchpointInfo[];
}

export interface WatchpointInfo {
  slot: number;
  address: string;
  length: number;
  value: string;
  function: string;
  depth: number;
  pid: number;
  comm: string;
  cpu: number;
  canary: boolean;
}

export interface DebugRegisterSlot {
  slot: number;
  enabled: boolean;
  address: string;
  length: number;
  type: 'execute' | 'write' | 'io' | 'readWrite';
  /** Who holds it: "kstackwatch", "data breakpoint 3", or "free". */
  owner: string;
}

export interface CpuDebugRegisters {
  cpu: number;
  online: boolean;
  dr6: string;
  dr7: string;
  slots: DebugRegisterSlot[];
}

export type StepGranularity = 'line' | 'instruction';

/**
 * What time travel has cost this session (`kstackwatch.timeTravelStats`):
 * replays run, the instructions they ran, and the checkpoints held now
 * (their count and host bytes).
 */
export interface TimeTravelStats {
  replays: number;
  replayed_insns: number;
  checkpoints: number;
  checkpoint_bytes: number;
}
