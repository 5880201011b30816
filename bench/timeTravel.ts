// Benchmark of reverse execution (never a timed test): how long a reverse
// step takes, as a user waits for it — a DAP request to the bundled adapter
// (dist/adapter.js) until its 'stopped' event — and the adapter's memory.
// Time travel restores the latest checkpoint before its target and replays
// the deterministic history from there (runtime.ts, checkpoints.ts; every
// `checkpointInterval` instructions, default 2e7), so a reverse step costs
// a restore and at most one interval of replay — except reverseContinue,
// which replays back from now to the stop it finds (only the stretches
// between checkpoints whose summary says they may stop); the first stepBack
// from a point also replays once to learn the thread's instructions, the
// next ones reuse that. The adapter's RSS includes the checkpoints' memory;
// "instructions replayed" is what the request replayed (timeTravelStats).
// On escaped.c also, each from the corruption: reverseContinue to a
// function breakpoint near the start, restartFrame of two frames entered
// near the start, goto the leaking line, gotoOrigin (and the gotoTime
// forward again before each).
//
//   npm run bench:timetravel                 # build, bundled scenarios + a 1e8-instruction run
//   node out/bench/timeTravel.js [--long N]  # the long run with about N instructions (e.g. 1e9)
//
// Scenarios: test/adapter/guests/escaped.c (a pointer to a local array
// escapes; a stack watch catches the write through it), the bundled
// examples/kstackwatch/kstackwatch_test.c test=3, escaped.c again with
// about N instructions of work before the write (its `loops` parameter),
// and a user-mode program (bench/timeTravel/userloop.c, musl-gcc) of about
// N instructions stopped by a function breakpoint near its end, with
// checkpoints and without (`checkpointMemory: 0`: every reverse step
// replays from the start).

import * as path from 'node:path';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';

const ROOT = path.resolve(__dirname, '../..');
const ADAPTER = path.join(ROOT, 'dist/adapter.js');
/** escaped.c's writer loop: instructions per iteration (gcc -O2: the volatile load, add and store, inc, cmp, jne). */
const INSNS_PER_LOOP = 6;

interface Scenario {
  name: string;
  launch: Record<string, unknown>;
  /** A data breakpoint for reverseContinue to go back to (a global's name), if any. */
  dataBreakpoint?: string;
  /** escaped.c: also reverseContinue to a function breakpoint, restartFrame, goto and gotoOrigin (each from the corruption). */
  escaped?: boolean;
  /** What stops the run first, when not a corruption: a function breakpoint set before it starts. */
  functionBreakpoint?: DebugProtocol.FunctionBreakpoint;
}

/** userloop.c's instructions per round (work(100000), -O0). */
const USER_INSNS_PER_ROUND = 2_100_000;

interface Row { scenario: string; insns: number; op: string; ms: number; cpuMs: number; rssMb: number; replayed: number }

/** The line of the first source line containing `marker` (1-based). */
function lineOf(file: string, marker: string): number {
  return fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(marker)) + 1;
}

function parseLong(argv: string[]): number {
  const i = argv.indexOf('--long');
  if (i < 0) return 1e8;
  const n = Number(argv[i + 1]);
  if (!Number.isFinite(n) || n < 1e4) {
    process.stderr.write('usage: node out/bench/timeTravel.js [--long INSTRUCTIONS]  (at least 1e4)\n');
    process.exit(2);
  }
  return n;
}

function adapterPid(dc: DebugClient): number | undefined {
  return (dc as unknown as { _adapterProcess?: { pid?: number } })._adapterProcess?.pid;
}

function rssMb(dc: DebugClient): number {
  const pid = adapterPid(dc);
  if (!pid) return NaN;
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** The adapter process's CPU time (user + system) so far, in ms: what a reverse step costs on a core of its own. */
function cpuMs(dc: DebugClient): number {
  const pid = adapterPid(dc);
  if (!pid) return NaN;
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

async function timed(dc: DebugClient, send: () => Promise<unknown>): Promise<{ ms: number; cpuMs: number; stop: DebugProtocol.StoppedEvent }> {
  const t0 = performance.now(), c0 = cpuMs(dc);
  const stop = dc.waitForEvent('stopped');
  await send();
  const s = (await stop) as DebugProtocol.StoppedEvent;
  return { ms: performance.now() - t0, cpuMs: cpuMs(dc) - c0, stop: s };
}

async function measure(s: Scenario): Promise<Row[]> {
  const dc = new DebugClient(process.execPath, ADAPTER, 'kstackwatch', { stdio: ['pipe', 'pipe', 'pipe'] }, true);
  dc.defaultTimeout = 3_600_000;
  await dc.start();
  const rows: Row[] = [];
  const replayed = async (): Promise<number> => ((await dc.customRequest('kstackwatch.timeTravelStats')).body as { replayed_insns: number }).replayed_insns;
  try {
    await dc.initializeRequest();
    const t0 = performance.now();
    const first = Promise.all([dc.waitForEvent('stopped'), dc.waitForEvent('kstackwatch.time')]);
    const corruption = dc.waitForEvent('kstackwatch.corruption').catch(() => undefined);
    await Promise.all([dc.waitForEvent('initialized').then(async () => {
      if (s.functionBreakpoint) await dc.setFunctionBreakpointsRequest({ breakpoints: [s.functionBreakpoint] });
      await dc.configurationDoneRequest();
    }), dc.launch(s.launch)]);
    const [stopped, time] = await first;
    const insns = time.body.insns as number;
    const threadId = (stopped as DebugProtocol.StoppedEvent).body.threadId!;
    let before = await replayed();
    const row = async (op: string, r: { ms: number; cpuMs: number }): Promise<void> => {
      const now = await replayed();
      rows.push({ scenario: s.name, insns, op, ms: r.ms, cpuMs: r.cpuMs, rssMb: rssMb(dc), replayed: now - before });
      before = now;
    };
    await row('(launch, gcc and forward run to the corruption)', { ms: performance.now() - t0, cpuMs: cpuMs(dc) });
    const op = async (name: string, send: () => Promise<unknown>): Promise<DebugProtocol.StoppedEvent> => {
      const r = await timed(dc, send);
      await row(name, r);
      return r.stop;
    };
    await op('stepBack instruction (first)', () => dc.customRequest('stepBack', { threadId, granularity: 'instruction' }));
    await op('stepBack instruction (next)', () => dc.customRequest('stepBack', { threadId, granularity: 'instruction' }));
    await op('stepBack line', () => dc.customRequest('stepBack', { threadId }));
    if (s.dataBreakpoint) {
      const frames = (await dc.stackTraceRequest({ threadId })).body.stackFrames;
      const info = await dc.dataBreakpointInfoRequest({ name: s.dataBreakpoint, frameId: frames[0].id });
      await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId!, accessType: 'write' }] });
    }
    let stop = await timed(dc, () => dc.customRequest('reverseContinue', { threadId }));
    await row(`reverseContinue (to ${stop.stop.body.reason === 'entry' ? 'the start' : stop.stop.body.reason})`, stop);
    if (s.escaped) await escapedOps(dc, s, time.body.time_ns as number, threadId, (await corruption)?.body, op);
  } finally {
    try { await dc.disconnectRequest({ terminateDebuggee: true }); } catch { /* ended */ }
    await dc.stop();
  }
  return rows;
}

/**
 * escaped.c from its corruption (at `corruptNs`, by `writer`): back to a
 * function breakpoint on leak_frame (near the start), restartFrame of the
 * victim's frame and of the writer's own function (both entered near the
 * start), goto the leaking line in the victim thread, and gotoOrigin to the
 * report's origin — each from the corruption again (gotoTime, measured too).
 */
async function escapedOps(dc: DebugClient, s: Scenario, corruptNs: number, writer: number, report: { origin?: { function: string; pid: number; returned_ns: number } } | undefined,
  op: (name: string, send: () => Promise<unknown>) => Promise<DebugProtocol.StoppedEvent>): Promise<void> {
  const program = s.launch.program as string;
  const back = (): Promise<DebugProtocol.StoppedEvent> => op('gotoTime (forward again, to the corruption)', () => dc.customRequest('kstackwatch.gotoTime', { time_ns: corruptNs }));
  await back();
  await dc.setDataBreakpointsRequest({ breakpoints: [] });
  await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'leak_frame' }] });
  const rc = await op('reverseContinue (to a function breakpoint near the start)', () => dc.customRequest('reverseContinue', { threadId: writer }));
  if (rc.body.reason !== 'function breakpoint') throw new Error(`reverseContinue stopped for ${rc.body.reason}`);
  await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
  await back();
  const victim = (await dc.threadsRequest()).body.threads.find((t) => t.name.startsWith('victim '))!.id;
  const victimFrame = (await dc.stackTraceRequest({ threadId: victim })).body.stackFrames.find((f) => /^victim(\.[a-z]+\.\d+)?\+/.test(f.name))!;
  await op('restartFrame (victim, entered near the start)', () => dc.restartFrameRequest({ frameId: victimFrame.id }));
  await back();
  const writerFrames = (await dc.stackTraceRequest({ threadId: writer })).body.stackFrames;
  await op('restartFrame (writer_thread, the thread\'s own function)', () => dc.restartFrameRequest({ frameId: writerFrames[0].id }));
  await back();
  const targets = await dc.gotoTargetsRequest({ source: { path: program }, line: lineOf(program, '/* LEAK:') });
  await op('goto (the leaking line, in the victim thread)', () => dc.gotoRequest({ threadId: victim, targetId: targets.body.targets[0].id }));
  if (report?.origin) {
    await back();
    const o = report.origin;
    await op('gotoOrigin (the report\'s origin: leak_frame\'s last moment)', () => dc.customRequest('kstackwatch.gotoOrigin', { function: o.function, pid: o.pid, returned_ns: o.returned_ns }));
  }
}

/** userloop.c built with musl-gcc (static, with DWARF), or undefined (and a note) when there is no musl-gcc. */
function buildUserLoop(): string | undefined {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-bench-tt-')), 'userloop');
  const r = spawnSync(process.env.MUSL_GCC || 'musl-gcc', ['-static', '-g', '-O0', '-o', out, path.join(ROOT, 'bench/timeTravel/userloop.c')], { encoding: 'utf8' });
  if (r.status === 0) return out;
  process.stderr.write(`bench: no user-mode scenario (musl-gcc: ${(r.error?.message ?? r.stderr).trim().split('\n')[0]})\n`);
  return undefined;
}

async function main(): Promise<void> {
  if (!fs.existsSync(ADAPTER)) throw new Error('dist/adapter.js is not built (npm run build)');
  const long = parseLong(process.argv.slice(2));
  const watch = 'fn=victim var=slots[3] mw=1';
  const scenarios: Scenario[] = [
    { name: 'escaped.c', launch: { program: path.join(ROOT, 'test/adapter/guests/escaped.c'), stackWatch: watch, cpus: 2 }, dataBreakpoint: 'escaped', escaped: true },
    {
      name: 'kstackwatch_test.c test=3',
      launch: { program: path.join(ROOT, 'examples/kstackwatch/kstackwatch_test.c'), params: { test: 3 }, stackWatch: 'fn=test_mthread_victim var=buf[4]', seed: 1 },
    },
    {
      name: `escaped.c loops=${Math.round(long / INSNS_PER_LOOP)}`,
      launch: { program: path.join(ROOT, 'test/adapter/guests/escaped.c'), params: { loops: Math.round(long / INSNS_PER_LOOP) }, stackWatch: watch, cpus: 2 },
      dataBreakpoint: 'escaped',
      escaped: true,
    },
  ];
  const user = buildUserLoop();
  if (user) {
    const rounds = Math.max(2, Math.round(long / USER_INSNS_PER_ROUND));
    for (const [how, extra] of [['checkpoints', {}], ['no checkpoints', { checkpointMemory: 0 }]] as const) {
      scenarios.push({
        name: `userloop (user mode, ${rounds} rounds, ${how})`,
        launch: { program: user, args: [String(rounds)], ...extra },
        functionBreakpoint: { name: 'work', hitCondition: String(rounds) },
      });
    }
  }
  const rows: Row[] = [];
  for (const s of scenarios) rows.push(...await measure(s));
  console.log('| scenario | instructions to the stop | operation | wall (ms) | adapter CPU (ms) | instructions replayed | adapter RSS after (MiB) |');
  console.log('|---|---:|---|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.scenario} | ${r.insns} | ${r.op} | ${r.ms.toFixed(0)} | ${r.cpuMs.toFixed(0)} | ${r.replayed} | ${r.rssMb.toFixed(0)} |`);
  console.log('\nwall: request sent → stopped event received on this host (other processes\' load included);');
  console.log('adapter CPU: the adapter process\'s user+system time meanwhile (what it costs on a core of its own).');
}

main().catch((e) => { process.stderr.write(`bench: ${(e as Error).message}\n`); process.exit(1); });
