// Benchmark (never a timed test): builds bench/programs/*.c with
// `musl-gcc -static -O2` (and the Lua interpreter for bench/programs/*.lua:
// interpreter.ts), runs each natively, under qemu-x86_64 (Debian
// qemu-user) and under `ksw exec --stats`, checks that the three agree on
// stdout and exit status, and prints a Markdown table plus a summary line.
//
//   npm run bench                     # build, then all programs
//   node out/bench/run.js [NAME…] [--scale N] [--repeat N] [--no-qemu]
//
// --scale N   passed to each program as argv[1] (a script as arg[1]): N times the default work
// --repeat N  run each engine N times and keep the fastest wall time
// --no-startup  skip the start-up table
// --cpu       time every engine in user+system CPU seconds (/usr/bin/time)
//             instead of wall seconds: on a loaded machine wall times are
//             noise, CPU times still compare engines fairly
// --steady    run ksw again with 3× the work and print its steady-state MIPS
//             and fixed cost (start-up + JIT warm-up) per program (steady.ts)
// --no-wasm   skip the wasm tier's runs: by default ksw runs each program
//             with the wasm tier off (KSW_WASM=0: the ksw
//             columns) and on (KSW_WASM=1: the wasm columns), in turn
// Wall times include process start-up for every engine; "ksw MIPS" is the
// simulator's own figure from its `insns=N seconds=S mips=M` stats line.
// After the table: start-up times (bench/startup.ts). The KStackWatch
// overhead table is the second part of `npm run bench` (bench/kstackwatch.ts).
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { cpus as hostCpus } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildLua, SCRIPT_SUFFIX } from './interpreter';
import { measureStartup } from './startup';
import { STEADY_FACTOR, SteadyRuns, steadyTable } from './steady';
import { markdownTable } from './table';

const root = resolve(__dirname, '../..'); // out/bench/run.js -> repository root
const srcDir = join(root, 'bench/programs');
const workDir = join(root, '.bench-work');
const kswBin = join(root, 'bin/ksw');
const cc = process.env.MUSL_GCC || 'musl-gcc';
const qemu = process.env.QEMU_X86_64 || 'qemu-x86_64';
const QEMU_MISSING = 'qemu-x86_64 not installed';
const STATS_RE = /^insns=(\d+) seconds=([0-9.eE+-]+) mips=([0-9.eE+-]+)\s*$/;

interface Options {
  names: string[];
  scale: number;
  repeat: number;
  useQemu: boolean;
  startup: boolean;
  cpu: boolean;
  steady: boolean;
  wasm: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { names: [], scale: 1, repeat: 1, useQemu: true, startup: true, cpu: false, steady: false, wasm: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) usage(`${a} needs a positive integer`);
      return v;
    };
    if (a === '--scale') o.scale = num();
    else if (a === '--repeat') o.repeat = num();
    else if (a === '--no-qemu') o.useQemu = false;
    else if (a === '--no-startup') o.startup = false;
    else if (a === '--cpu') o.cpu = true;
    else if (a === '--steady') o.steady = true;
    else if (a === '--no-wasm') o.wasm = false;
    else if (a === '-h' || a === '--help') usage();
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else o.names.push(a.replace(/\.c$/, ''));
  }
  return o;
}

function usage(error?: string): never {
  if (error) console.error(`bench: ${error}`);
  console.error('usage: node out/bench/run.js [NAME…] [--scale N] [--repeat N] [--no-qemu] [--no-startup] [--cpu] [--steady] [--no-wasm]');
  process.exit(error ? 2 : 0);
}

interface Run {
  ok: boolean;
  seconds: number;
  stdout: string;
  stderr: string;
  status: number | null;
  what: string; // exit status / signal / error, for messages
}

const TIME = '/usr/bin/time';
const timeFile = join(workDir, 'cpu-time');

/** User+system CPU seconds that /usr/bin/time wrote for the last command. */
function cpuSeconds(): number {
  const m = /([0-9.]+) ([0-9.]+)\s*$/.exec(readFileSync(timeFile, 'utf8'));
  return m ? Number(m[1]) + Number(m[2]) : NaN;
}

function timed(cmd: string, args: string[], repeat: number, timeoutMs: number, cpu: boolean, env: NodeJS.ProcessEnv = process.env): Run {
  let best: Run | undefined;
  if (cpu) [cmd, args] = [TIME, ['-f', '%U %S', '-o', timeFile, cmd, ...args]];
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    const r: SpawnSyncReturns<string> = spawnSync(cmd, args, {
      encoding: 'utf8',
      input: '',
      maxBuffer: 64 << 20,
      timeout: timeoutMs,
      cwd: root,
      env,
    });
    const wall = (performance.now() - t0) / 1000;
    const seconds = cpu && !r.error && !r.signal ? cpuSeconds() : wall;
    const what = r.error ? `error: ${r.error.message}` : r.signal ? `killed by ${r.signal}` : `exit status ${r.status}`;
    const run: Run = {
      ok: !r.error && !r.signal,
      seconds,
      stdout: r.stdout ?? '',
      stderr: r.stderr ?? '',
      status: r.status,
      what,
    };
    if (!run.ok) return run;
    if (!best || run.seconds < best.seconds) best = run;
  }
  return best!;
}

function available(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return !r.error && r.status === 0;
}

interface Row {
  name: string;
  insns?: number;
  native?: number;
  qemu?: number | string;
  ksw?: number;
  kswSimSeconds?: number;
  mips?: number;
  agree: boolean;
  notes: string[];
  /** The same with the wasm tier on (KSW_WASM=1); failed: it did not run to the native output. */
  wasm?: { seconds: number; simSeconds: number; mips: number } | 'failed';
}

/** The ksw runs' environment: the wasm tier off (the ksw columns) or on (the wasm columns), whatever the caller's KSW_WASM. */
const withWasm = (on: boolean): NodeJS.ProcessEnv => ({ ...process.env, KSW_WASM: on ? '1' : '0' });

const fmtS = (s: number) => s.toFixed(3);
const fmtRatio = (r: number) => (r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)) + '×';
const fmtInsns = (n: number) => (n >= 1e9 ? (n / 1e9).toFixed(2) + ' G' : (n / 1e6).toFixed(1) + ' M');

/** The interpreter for the bench's scripts, built at the first script (interpreter.ts). */
let lua: ReturnType<typeof buildLua> | null = null;

/** Build a program of the bench: NAME.c with musl-gcc, or NAME.lua, which runs on the Lua interpreter. */
function buildProgram(name: string): { bin: string; args: (scale: number) => string[] } | { why: string } {
  const script = join(srcDir, name + SCRIPT_SUFFIX);
  if (existsSync(script)) {
    lua ??= buildLua(root, workDir);
    return 'why' in lua ? lua : { bin: lua.bin, args: (scale) => [script, String(scale)] };
  }
  const bin = join(workDir, name);
  const build = spawnSync(cc, ['-static', '-O2', '-o', bin, join(srcDir, `${name}.c`)], { encoding: 'utf8' });
  if (build.status !== 0) return { why: `${cc} failed:\n${build.stderr}` };
  return { bin, args: (scale) => [String(scale)] };
}

function geomean(values: number[]): number {
  return Math.exp(values.reduce((s, v) => s + Math.log(v), 0) / values.length);
}

function main(): void {
  const opts = parseArgs(process.argv.slice(2));
  if (!available(cc, ['--version'])) {
    console.error(`bench: ${cc} not found — install musl-tools (scripts/install-deps.sh)`);
    process.exit(2);
  }
  if (!existsSync(join(root, 'dist/ksw.js'))) {
    console.error('bench: dist/ksw.js is missing — run `npm run bench` (it builds first) or `node scripts/build.mjs`');
    process.exit(2);
  }
  const haveQemu = opts.useQemu && available(qemu, ['--version']);
  let names = readdirSync(srcDir)
    .filter((f) => f.endsWith('.c') || f.endsWith(SCRIPT_SUFFIX))
    .map((f) => f.slice(0, f.lastIndexOf('.')))
    .sort();
  if (opts.names.length) {
    const unknown = opts.names.filter((n) => !names.includes(n));
    if (unknown.length) usage(`no such benchmark: ${unknown.join(', ')} (have ${names.join(', ')})`);
    names = names.filter((n) => opts.names.includes(n));
  }
  mkdirSync(workDir, { recursive: true });

  const cpus = hostCpus();
  console.log(
    `bench: ${names.length} programs, scale ${opts.scale}, repeat ${opts.repeat}, ` +
      `node ${process.version}, ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}`,
  );
  const rows: Row[] = [];
  const steadyRuns: SteadyRuns[] = [];
  const failures: string[] = [];
  for (const name of names) {
    const program = buildProgram(name);
    if ('why' in program) {
      failures.push(`${name}: ${program.why}`);
      continue;
    }
    const { bin, args: argsAt } = program;
    const args = argsAt(opts.scale);
    const row: Row = { name, agree: true, notes: [] };
    process.stderr.write(`  ${name}: native`);
    const native = timed(bin, args, opts.repeat, 600_000, opts.cpu);
    if (!native.ok) {
      failures.push(`${name}: native run failed (${native.what})`);
      process.stderr.write('\n');
      continue;
    }
    row.native = native.seconds;

    if (haveQemu) {
      process.stderr.write(', qemu');
      const q = timed(qemu, [bin, ...args], opts.repeat, 600_000, opts.cpu);
      if (!q.ok) {
        row.qemu = 'failed';
        row.agree = false;
        failures.push(`${name}: qemu-x86_64 failed (${q.what})`);
      } else {
        row.qemu = q.seconds;
        if (q.stdout !== native.stdout || q.status !== native.status) {
          row.agree = false;
          row.notes.push('qemu output differs');
        }
      }
    } else {
      row.qemu = opts.useQemu ? QEMU_MISSING : 'skipped';
    }

    process.stderr.write(', ksw');
    const kswArgs = [kswBin, 'exec', '--stats', bin, ...args];
    const k = timed(process.execPath, kswArgs, opts.repeat, 1_800_000, opts.cpu, withWasm(false));
    if (opts.wasm) {
      process.stderr.write(', ksw with KSW_WASM=1');
      const w = timed(process.execPath, kswArgs, opts.repeat, 1_800_000, opts.cpu, withWasm(true));
      const mw = STATS_RE.exec(w.stderr.trimEnd().split('\n').pop() ?? '');
      if (w.ok && mw && w.stdout === native.stdout && w.status === native.status) {
        row.wasm = { seconds: w.seconds, simSeconds: Number(mw[2]), mips: opts.cpu ? Number(mw[1]) / w.seconds / 1e6 : Number(mw[3]) };
      } else {
        row.wasm = 'failed';
        row.notes.push('KSW_WASM=1 output differs');
        failures.push(`${name}: ksw exec with KSW_WASM=1 did not print the native output (${w.what}); stderr tail:\n` +
          w.stderr.trimEnd().split('\n').slice(-6).join('\n'));
      }
    }
    process.stderr.write('\n');
    const lastLine = k.stderr.trimEnd().split('\n').pop() ?? '';
    const m = STATS_RE.exec(lastLine);
    if (!k.ok || !m) {
      row.agree = false;
      failures.push(
        `${name}: ksw exec ${k.ok ? 'printed no stats line' : 'failed'} (${k.what}); stderr tail:\n` +
          k.stderr.trimEnd().split('\n').slice(-10).join('\n'),
      );
    }
    if (k.ok) row.ksw = k.seconds;
    if (m) {
      row.insns = Number(m[1]);
      row.kswSimSeconds = Number(m[2]);
      // With --cpu: guest instructions per CPU second of the whole ksw process (start-up included).
      row.mips = opts.cpu && k.ok ? row.insns / k.seconds / 1e6 : Number(m[3]);
    }
    if (k.ok && (k.stdout !== native.stdout || k.status !== native.status)) {
      row.agree = false;
      row.notes.push(`ksw output differs (native ${native.status}, ksw ${k.status})`);
      failures.push(
        `${name}: ksw stdout/status differ from native:\n  native: ${native.stdout.trim()}\n  ksw:    ${k.stdout.trim()}` +
          `\n  ksw stderr tail:\n` +
          k.stderr.trimEnd().split('\n').slice(-6).map((l) => '    ' + l).join('\n'),
      );
    }
    if (opts.steady && row.agree && m && k.ok) {
      process.stderr.write(`  ${name}: ksw ×${STEADY_FACTOR}\n`);
      const longer = timed(process.execPath, [kswBin, 'exec', '--stats', bin, ...argsAt(opts.scale * STEADY_FACTOR)], opts.repeat, 1_800_000, opts.cpu, withWasm(false));
      const m3 = STATS_RE.exec(longer.stderr.trimEnd().split('\n').pop() ?? '');
      if (longer.ok && m3) {
        steadyRuns.push({ name, insns: row.insns!, seconds: k.seconds, insns3: Number(m3[1]), seconds3: longer.seconds });
      } else {
        failures.push(`${name}: ksw exec at scale ${opts.scale * STEADY_FACTOR} failed (${longer.what})`);
      }
    }
    rows.push(row);
  }

  // Markdown table, ready to paste into README "Figures".
  const unit = opts.cpu ? 'CPU s' : 's';
  const wasmHeader = opts.wasm ? [`wasm ${unit}`, 'wasm MIPS', 'wasm/qemu'] : [];
  const header = ['program', 'guest insns', `native ${unit}`, `qemu ${unit}`, `ksw ${unit}`, 'ksw MIPS', 'ksw/qemu', 'ksw/native', ...wasmHeader, 'outputs'];
  const wasmCells = (r: Row): string[] => {
    if (!opts.wasm) return [];
    if (r.wasm === undefined || r.wasm === 'failed') return [r.wasm ?? '?', '?', 'n/a'];
    return [fmtS(r.wasm.seconds), r.wasm.mips.toFixed(1), r.agree && typeof r.qemu === 'number' ? fmtRatio(r.wasm.seconds / r.qemu) : 'n/a'];
  };
  const lines = rows.map((r) => [
    r.name,
    r.insns !== undefined ? fmtInsns(r.insns) : '?',
    r.native !== undefined ? fmtS(r.native) : '?',
    typeof r.qemu === 'number' ? fmtS(r.qemu) : (r.qemu ?? '?'),
    r.ksw !== undefined ? fmtS(r.ksw) : 'failed',
    r.mips !== undefined ? r.mips.toFixed(1) : '?',
    // Ratios only where ksw did the same work (same output as native).
    r.agree && typeof r.qemu === 'number' && r.ksw !== undefined ? fmtRatio(r.ksw / r.qemu) : 'n/a',
    r.agree && r.native !== undefined && r.ksw !== undefined ? fmtRatio(r.ksw / r.native) : 'n/a',
    ...wasmCells(r),
    r.agree && r.wasm !== 'failed' ? 'agree' : 'DIFFER' + (r.notes.length ? ` (${r.notes.join('; ')})` : ''),
  ]);
  console.log('');
  for (const l of markdownTable(header, lines, [0, header.length - 1])) console.log(l);
  console.log('');

  // Summary over the programs that ran to the end under ksw with the native output.
  const done = rows.filter(
    (r) => r.agree && r.ksw !== undefined && r.insns !== undefined && r.kswSimSeconds !== undefined,
  );
  const sum = (f: (r: Row) => number) => done.reduce((s, r) => s + f(r), 0);
  const totalInsns = sum((r) => r.insns!);
  const simSeconds = sum((r) => r.kswSimSeconds!);
  const kswWall = sum((r) => r.ksw!);
  const nativeWall = sum((r) => r.native!);
  const withQemu = done.filter((r) => typeof r.qemu === 'number');
  let qemuPart: string;
  if (withQemu.length && withQemu.length === done.length) {
    const qemuWall = withQemu.reduce((s, r) => s + (r.qemu as number), 0);
    qemuPart =
      `qemu ${fmtS(qemuWall)} s (~${(totalInsns / qemuWall / 1e6).toFixed(0)} MIPS), ` +
      `ksw/qemu ${fmtRatio(kswWall / qemuWall)} total, ${fmtRatio(geomean(withQemu.map((r) => r.ksw! / (r.qemu as number))))} geomean`;
  } else {
    qemuPart = haveQemu ? 'qemu: incomplete' : opts.useQemu ? QEMU_MISSING : 'qemu skipped';
  }
  const allAgree = rows.length === names.length && rows.every((r) => r.agree && r.wasm !== 'failed') && failures.length === 0;
  if (done.length) {
    console.log(
      `summary: ${done.length}/${names.length} programs correct under ksw, ${fmtInsns(totalInsns)} guest insns; ` +
        `ksw ${fmtS(kswWall)} ${opts.cpu ? 'CPU s' : 's wall'}, ` +
        `${(totalInsns / (opts.cpu ? kswWall : simSeconds) / 1e6).toFixed(1)} MIPS overall; ` +
        `native ${fmtS(nativeWall)} s (ksw/native ${fmtRatio(kswWall / nativeWall)} total, ` +
        `${fmtRatio(geomean(done.map((r) => r.ksw! / r.native!)))} geomean); ${qemuPart}; ` +
        `outputs ${allAgree ? 'agree' : 'DIFFER'}`,
    );
  } else {
    console.log(`summary: no program ran correctly to the end under ksw (0/${names.length}); outputs DIFFER`);
  }
  if (opts.wasm && done.length) {
    // the same programs with the wasm tier on, beside the figures without it
    const both = done.filter((r) => r.wasm !== undefined && r.wasm !== 'failed');
    const w = (r: Row) => r.wasm as { seconds: number; simSeconds: number };
    const wInsns = both.reduce((n, r) => n + r.insns!, 0);
    const wSeconds = both.reduce((n, r) => n + (opts.cpu ? w(r).seconds : w(r).simSeconds), 0);
    const jsSeconds = both.reduce((n, r) => n + (opts.cpu ? r.ksw! : r.kswSimSeconds!), 0);
    const qemuBoth = both.filter((r) => typeof r.qemu === 'number');
    const ratios = qemuBoth.length === both.length && both.length > 0
      ? `; ksw/qemu geomean ${fmtRatio(geomean(both.map((r) => w(r).seconds / (r.qemu as number))))} (without: ${fmtRatio(geomean(both.map((r) => r.ksw! / (r.qemu as number))))})`
      : '';
    console.log(
      `wasm tier (KSW_WASM=1): ${both.length}/${done.length} programs correct; ` +
        (both.length ? `${(wInsns / wSeconds / 1e6).toFixed(1)} MIPS overall (without: ${(wInsns / jsSeconds / 1e6).toFixed(1)})${ratios}` : 'no figures'),
    );
  }
  if (steadyRuns.length) {
    console.log('');
    console.log(`steady state (ksw at scale ${opts.scale} and ${opts.scale * STEADY_FACTOR}; fixed = start-up + JIT warm-up):`);
    for (const line of steadyTable(steadyRuns, opts.cpu ? 'CPU s' : 's')) console.log(line);
  }
  if (opts.startup) {
    const startup = measureStartup(root, workDir, cc, kswBin, opts.useQemu && available(qemu, ['--version']) ? qemu : null);
    console.log('');
    for (const line of startup.lines) console.log(line);
    failures.push(...startup.failures);
  }
  if (failures.length) {
    console.log('\nproblems:');
    for (const f of failures) console.log('- ' + f);
  }
  process.exit(allAgree && failures.length === 0 ? 0 : 1);
}

main();
