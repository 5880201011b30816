// The live KStackWatch sessions as the editor sees them, through a debug
// adapter tracker: the kernel log goes to the "KStackWatch" output channel,
// `kstackwatch.corruption` events and oops stops become annotations, the
// user's stack watches are sent before the machine starts (and whenever
// they change), and the Stack Watches view is refreshed from the session.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { Annotations, fileUri } from './annotations';
import { findFunctions } from './cSource';
import { asCorruption, CorruptionJson, functionOf, oopsFromException, panicVictim } from './reports';
import { CpuRegisters, SessionWatchList, functionOfConfig, watchesToSend } from './watchModel';
import { checkLaunchStackWatch } from './watchConfig';
import { DEBUG_TYPE } from './launchDefaults';
import {
  CORRUPTION_EVENT, CUSTOM_REQUESTS as REQUESTS, DebugRegistersBody, GotoOriginArguments, StackWatchList, TIME_EVENT,
} from '../adapter/protocol';
import type { WatchStore } from './stackWatchesView';


/** The definition of the watched function, for a watch that is not written in launch.json. */
function definitionLocation(fn: string, file: string | undefined): vscode.Location | undefined {
  if (!file) return undefined;
  try {
    const f = findFunctions(fs.readFileSync(file, 'utf8')).find((x) => x.name === fn);
    return f ? new vscode.Location(fileUri(file), new vscode.Range(f.line, f.column, f.line, f.column + fn.length)) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * VS Code opens Run and Debug by itself only for a stop whose reason is
 * `breakpoint`; ours is `data breakpoint`. Show the Call Stack (at the
 * writer's frame, which VS Code selects) unless the user said never.
 */
export function revealCallStack(): void {
  if (vscode.workspace.getConfiguration('debug').get<string>('openDebug') === 'neverOpen') return;
  void vscode.commands.executeCommand('workbench.debug.action.focusCallStackView');
}

/**
 * A source path as VS Code hands it to an extension in a custom request's
 * response: in a remote window (code-server, SSH) it has been turned into a
 * URI (`vscode-remote://host/abs/file.c`); the file's own path is wanted.
 */
export function pathFromClient(p: string): string {
  return /^[a-z][\w+.-]*:\/\//i.test(p) ? vscode.Uri.parse(p).path : p;
}

/** Requests after which the machine runs (the adapter sends no `continued` event for them). */
const RESUMING = new Set(['configurationDone', 'continue', 'next', 'stepIn', 'stepOut', 'restart']);

interface LiveSession {
  session: vscode.DebugSession;
  launchWatches: string[];
  running: boolean;
  /** The last list the session returned. */
  watches: SessionWatchList | null;
  /** The debug registers of every CPU, read at the last stop. */
  registers: CpuRegisters[] | null;
  previousMisses: number;
  /** Corruptions waiting for their stopped event (which carries the kernel's report text). */
  pending: CorruptionJson[];
  endBoot?: () => void;
}

export class Sessions implements vscode.Disposable {
  private readonly live = new Map<string, LiveSession>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when a session's watch state may have changed. */
  readonly onDidChange = this.changed.event;
  private poll: NodeJS.Timeout | undefined;

  constructor(private readonly log: vscode.OutputChannel, private readonly annotations: Annotations, private readonly store: WatchStore) {
    this.disposables.push(
      vscode.debug.registerDebugAdapterTrackerFactory(DEBUG_TYPE, { createDebugAdapterTracker: (s) => this.tracker(s) }),
      vscode.debug.onDidStartDebugSession((s) => this.started(s)),
      vscode.debug.onDidTerminateDebugSession((s) => this.ended(s)),
      store.onDidChange(() => void this.pushWatches()),
      this.changed,
    );
  }

  /** The session the view shows: the active one if it is ours, else any live one. */
  current(): LiveSession | undefined {
    const active = vscode.debug.activeDebugSession;
    if (active && this.live.has(active.id)) return this.live.get(active.id);
    return [...this.live.values()][0];
  }

  private tracker(session: vscode.DebugSession): vscode.DebugAdapterTracker {
    const entry: LiveSession = {
      session, launchWatches: checkLaunchStackWatch(session.configuration.stackWatch).configs, running: false, watches: null,
      registers: null, previousMisses: 0, pending: [],
    };
    this.live.set(session.id, entry);
    this.annotations.clear();
    this.log.appendLine(`▶ ${session.name}: ${String(session.configuration.program ?? '')}${entry.launchWatches.length ? `  [${entry.launchWatches.join('; ')}]` : ''}`);
    this.startBootProgress(entry);
    return {
      onDidSendMessage: (m: DebugProtocol.ProtocolMessage) => this.fromAdapter(entry, m),
      onWillReceiveMessage: (m: DebugProtocol.ProtocolMessage) => {
        const command = (m as DebugProtocol.Request).command;
        if (m.type === 'request' && RESUMING.has(command)) { entry.running = true; this.schedulePoll(); }
        // a restart (Ctrl+Shift+F5) reuses this adapter: the previous run's annotations go with it
        if (m.type === 'request' && command === 'restart') { entry.pending = []; this.annotations.clear(); }
      },
      // a read error when the adapter process goes away at the end of a session is not news
      onError: (e) => { if (this.live.has(session.id) && !/read error|EPIPE|ECONNRESET/i.test(e.message)) this.log.appendLine(`adapter error: ${e.message}`); },
      onExit: (code, signal) => { if (code) this.log.appendLine(`adapter exited with ${code ?? signal}`); entry.endBoot?.(); },
    };
  }

  /** Compiling and booting happen in the launch request: show them as progress until the machine runs or fails. */
  private startBootProgress(entry: LiveSession): void {
    const program = String(entry.session.configuration.program ?? '');
    const title = program.endsWith('.c') ? `KStackWatch: compiling ${path.basename(program)} and booting the machine…`
      : program.endsWith('.ko') || isDirectory(program) ? `KStackWatch: building ${path.basename(program)} with Kbuild and booting the machine…`
        : 'KStackWatch: booting the machine…';
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title }, () => new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 120_000);
      entry.endBoot = () => { clearTimeout(timer); entry.endBoot = undefined; resolve(); };
    }));
  }

  private fromAdapter(entry: LiveSession, m: DebugProtocol.ProtocolMessage): void {
    if (m.type === 'response') {
      const r = m as DebugProtocol.Response;
      if (r.command === 'launch') {
        entry.endBoot?.();
        if (!r.success) {
          // the session never ran: it takes no watch edits (they would fail with "No debugger
          // available") and its launch watches stop shadowing the user's own rows in the view
          this.log.appendLine(`launch failed: ${r.message ?? ''}`);
          this.live.delete(entry.session.id);
          this.changed.fire();
        }
      }
      return;
    }
    if (m.type !== 'event') return;
    const e = m as DebugProtocol.Event;
    switch (e.event) {
      case 'initialized':
        // before VS Code's configurationDone reaches the adapter: the machine has not run yet
        if (this.store.list.enabledConfigs().length) void this.pushWatches(entry);
        break;
      case 'output': {
        const o = (e as DebugProtocol.OutputEvent).body;
        if (o.category === 'telemetry') break;
        this.log.append(o.output);
        break;
      }
      case TIME_EVENT: {
        const t = (e.body as { time_ns?: unknown } | undefined)?.time_ns;
        if (typeof t === 'number') this.annotations.setTime(t);
        break;
      }
      case 'continued':
        entry.running = true;
        this.schedulePoll();
        break;
      case 'stopped':
        entry.running = false;
        entry.endBoot?.();
        void this.onStopped(entry, (e as DebugProtocol.StoppedEvent).body);
        break;
      case CORRUPTION_EVENT: {
        const c = asCorruption(e.body);
        if (!c) break;
        entry.pending.push(c);
        if (entry.session.configuration.stopOnCorruption === false) void this.annotateCorruption(entry, c, undefined);
        if (vscode.workspace.getConfiguration('kstackwatch').get<boolean>('revealLogOnCorruption')) this.log.show(true);
        break;
      }
      case 'terminated':
      case 'exited':
        entry.running = false;
        entry.endBoot?.();
        break;
    }
  }

  private async onStopped(entry: LiveSession, body: DebugProtocol.StoppedEvent['body']): Promise<void> {
    if (body.reason === 'data breakpoint' && entry.pending.length) {
      for (const c of entry.pending.splice(0)) await this.annotateCorruption(entry, c, body.text);
      revealCallStack();
    } else if (body.reason === 'exception' && body.threadId !== undefined) {
      try {
        const info = await entry.session.customRequest('exceptionInfo', { threadId: body.threadId }) as DebugProtocol.ExceptionInfoResponse['body'];
        const victim = panicVictim(info.description ?? body.description);
        if (victim) void this.offerWatchOnPanic(entry, victim);
        if (info.exceptionId === 'oops' || /oops/i.test(info.description ?? '')) {
          const oops = oopsFromException(info.description ?? body.description ?? 'oops', info.details?.message, info.details?.stackTrace);
          oops.cpu = await this.cpuOf(entry, body.threadId);
          this.annotations.addOops(oops, info.details?.message ?? body.text);
        }
      } catch (err) {
        this.log.appendLine(`could not read the oops: ${(err as Error).message}`);
      }
    }
    await this.refresh(entry);
  }

  /**
   * A stack-protector panic in a function nobody watched: the victim is
   * known, the writer is not. Offer the one click that finds it — watch the
   * victim's canary and run the same configuration again.
   */
  private async offerWatchOnPanic(entry: LiveSession, victim: string): Promise<void> {
    const armed = [...entry.launchWatches, ...this.store.list.enabledConfigs()];
    if (armed.some((c) => functionOfConfig(c) === victim)) return;
    const action = `Watch ${victim} and Run Again`;
    const what = armed.length ? `no stack watch was on ${victim}` : 'no stack watch was armed';
    const choice = await vscode.window.showInformationMessage(
      `KStackWatch: the stack protector caught a corrupted canary in ${victim}(), but ${what}, so the writer is unknown. Watch ${victim}'s canary to stop at the corrupting store.`, action);
    if (choice !== action) return;
    this.store.update((list) => list.add(`fn=${victim}`));
    const { session } = entry;
    const config = { ...session.configuration } as vscode.DebugConfiguration;
    await vscode.debug.stopDebugging(session);
    await vscode.debug.startDebugging(session.workspaceFolder, config);
  }

  /**
   * A report's origin link: take the machine of the current session back to
   * the origin frame's last moment (`kstackwatch.gotoOrigin`); the adapter
   * then stops with reason `goto` after a `kstackwatch.time` event. A bare
   * number (a link from an older hover) is a simulated time (`kstackwatch.gotoTime`).
   */
  async gotoOrigin(origin: unknown): Promise<void> {
    const entry = this.current();
    if (!entry) return;
    const o = origin as Partial<GotoOriginArguments> | null;
    const request = typeof origin === 'number' ? { command: REQUESTS.gotoTime, body: { time_ns: origin } }
      : o && typeof o === 'object' && typeof o.function === 'string' && typeof o.pid === 'number' && typeof o.returned_ns === 'number'
        ? { command: REQUESTS.gotoOrigin, body: { function: o.function, pid: o.pid, returned_ns: o.returned_ns } } : null;
    if (!request) return;
    try {
      await entry.session.customRequest(request.command, request.body);
    } catch (err) {
      void vscode.window.showWarningMessage(`KStackWatch: cannot go back in time in this session: ${(err as Error).message}`);
    }
  }

  /** The CPU a thread is on, from its name (`comm (pid N) [CPU n]`). */
  private async cpuOf(entry: LiveSession, threadId: number): Promise<number | undefined> {
    try {
      const r = await entry.session.customRequest('threads') as DebugProtocol.ThreadsResponse['body'];
      const m = /\[CPU (\d+)\]/.exec(r.threads.find((t) => t.id === threadId)?.name ?? '');
      return m ? Number(m[1]) : undefined;
    } catch {
      return undefined;
    }
  }

  private async annotateCorruption(entry: LiveSession, c: CorruptionJson, kernelText: string | undefined): Promise<void> {
    let victim: { file: string; line: number } | undefined;
    try {
      // the victim task's thread id is its pid; its frame of the watched function is where it stands now
      const st = await entry.session.customRequest('stackTrace', { threadId: c.watch.pid, startFrame: 0, levels: 20 }) as DebugProtocol.StackTraceResponse['body'];
      const frame = st.stackFrames.find((f) => functionOf(f.name) === c.watch.function && f.source?.path && f.line > 0);
      if (frame) victim = { file: pathFromClient(frame.source!.path!), line: frame.line };
      else this.log.appendLine(`(the victim ${c.watch.function} is not on pid ${c.watch.pid}'s stack: ${st.stackFrames.map((f) => f.name).join(' < ')}; its definition is marked)`);
    } catch (err) {
      // not stopped (stopOnCorruption false) or the victim has exited: the definition line is used
      this.log.appendLine(`(the victim's frame could not be read: ${(err as Error).message}; its definition is marked)`);
    }
    this.annotations.addCorruption(c, kernelText, victim, this.watchLocation(entry, c.config) ?? definitionLocation(c.watch.function, c.writer.file));
  }

  /** Where a watch config is written: launch.json (the line that has it) or, for a view watch, nothing. */
  private watchLocation(entry: LiveSession, config: string): vscode.Location | undefined {
    const folder = entry.session.workspaceFolder?.uri.fsPath;
    if (!folder) return undefined;
    const launch = path.join(folder, '.vscode', 'launch.json');
    try {
      const lines = fs.readFileSync(launch, 'utf8').split('\n');
      const fn = config.split(/\s+/).find((t) => t.startsWith('fn='))?.slice(3) ?? config;
      // the config as written, else (an object form) the stackWatch line naming its function
      let i = lines.findIndex((l) => l.includes(config));
      if (i < 0) i = lines.findIndex((l) => l.includes('stackWatch') && l.includes(fn));
      if (i >= 0) return new vscode.Location(fileUri(launch), new vscode.Range(i, 0, i, lines[i].length));
    } catch {
      // no launch.json (F5 on a file)
    }
    return undefined;
  }

  /** Send the launch's watches plus the user's enabled ones to one (or every) live session. */
  async pushWatches(only?: LiveSession): Promise<void> {
    const targets = only ? [only] : [...this.live.values()];
    for (const entry of targets) {
      const watches = watchesToSend(entry.launchWatches, this.store.list.all());
      try {
        await entry.session.customRequest(REQUESTS.setStackWatches, { watches });
      } catch (err) {
        this.log.appendLine(`could not send stack watches: ${(err as Error).message}`);
      }
      await this.refresh(entry);
    }
  }

  async refresh(entry: LiveSession | undefined = this.current()): Promise<void> {
    if (!entry) { this.changed.fire(); return; }
    try {
      const list = await entry.session.customRequest(REQUESTS.listStackWatches) as StackWatchList;
      entry.previousMisses = entry.watches?.misses ?? 0;
      entry.watches = list;
      if (!entry.running) {
        const r = await entry.session.customRequest(REQUESTS.debugRegisters) as DebugRegistersBody;
        entry.registers = r.cpus;
      }
    } catch {
      // the session is going away
    }
    this.changed.fire();
  }

  /** While a session runs, the armed state changes: refresh now and then. */
  private schedulePoll(): void {
    if (this.poll) return;
    this.poll = setInterval(() => {
      const running = [...this.live.values()].filter((e) => e.running);
      if (!running.length) { clearInterval(this.poll); this.poll = undefined; return; }
      void this.refresh(running[0]);
    }, 1500);
  }

  private started(s: vscode.DebugSession): void {
    if (s.type !== DEBUG_TYPE) return;
    this.changed.fire();
  }

  private ended(s: vscode.DebugSession): void {
    const entry = this.live.get(s.id);
    if (!entry) return;
    entry.endBoot?.();
    this.live.delete(s.id);
    this.log.appendLine(`■ ${s.name} ended`);
    this.changed.fire();
  }

  dispose(): void {
    if (this.poll) clearInterval(this.poll);
    for (const d of this.disposables) d.dispose();
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
