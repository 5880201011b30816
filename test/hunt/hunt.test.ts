// `ksw hunt` end to end, through the bundled CLI (dist/ksw.js and the worker
// bundle beside it): a narrow-window race of our own (narrow_race.c) is
// found under some seeds and not others; the seed lists do not depend on
// --jobs; shards 1/3, 2/3, 3/3 merged equal the whole hunt; a finding's
// printed `ksw run` command replays the same corruption; bad input is exit 2.

import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileModule } from '../../simulator/cli/cc';
import { needs } from '../tools';

const ROOT = path.resolve(__dirname, '../../..');
const KSW = path.join(ROOT, 'dist/ksw.js');
const WATCH = 'fn=publish_window var=buf[2]';
const SEEDS = '1-12';
const NEEDS_GCC = needs('gcc');

let dir = '';
function ksw(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [KSW, ...args], { cwd: dir, encoding: 'utf8', timeout: 600_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}
/** The hunt's lines without what may differ between equal hunts (wall time, job count, shard). */
function comparable(stdout: string): unknown[] {
  return jsonLines(stdout).map((l) => {
    if (l.type !== 'hunt') return l;
    const { wall_ms: _w, jobs: _j, shard: _s, ...rest } = l;
    return rest;
  });
}
function hunt(extra: string[]): { status: number | null; stdout: string; stderr: string } {
  return ksw(['hunt', 'narrow_race.o', '--watch', WATCH, '--seeds', SEEDS, ...extra]);
}

describe('ksw hunt', NEEDS_GCC, () => {
  let whole: ReturnType<typeof hunt>;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-hunt-'));
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    const r = compileModule(path.join(ROOT, 'test/hunt/narrow_race.c'), { output: path.join(dir, 'narrow_race.o') });
    assert.ok('objectPath' in r && r.objectPath, `compiling narrow_race.c failed: ${r.diagnostics}`);
    whole = hunt(['--json', '--jobs', '2']);
  });

  test('the narrow race is caught under some seeds and not others', () => {
    assert.equal(whole.status, 1, whole.stderr);
    const last = jsonLines(whole.stdout).at(-1)!;
    assert.equal(last.type, 'hunt');
    assert.equal(last.seeds, 12);
    const corrupted = last.corrupted as number[];
    assert.ok(corrupted.length > 0 && (last.clean as number[]).length > 0, `corrupted ${corrupted}, clean ${last.clean}`);
    const first = jsonLines(whole.stdout).find((l) => l.type === 'seed' && l.status === 1)!;
    const report = first.report as Record<string, unknown>;
    assert.equal(report.type, 'corruption');
    assert.equal(report.function, 'publish_window');
    assert.equal(report.writer_comm, 'writer');
    assert.match(String(report.writer), /^write_through\+/);
    assert.equal(path.basename(String(report.file)), 'narrow_race.c');
    assert.equal(first.replay, `ksw run narrow_race.o --watch 'fn=publish_window var=buf[2]' --seed ${first.seed}`);
  });

  test('--jobs 1 and --jobs 2 give the same results', () => {
    const one = hunt(['--json', '--jobs', '1']);
    assert.equal(one.status, whole.status);
    assert.deepEqual(comparable(one.stdout), comparable(whole.stdout));
  });

  test('shards 1/3, 2/3, 3/3 merged equal the whole hunt', () => {
    const files = [1, 2, 3].map((k) => {
      const r = hunt(['--json', '--shard', `${k}/3`]);
      assert.ok(r.status === 0 || r.status === 1, r.stderr);
      const seeds = jsonLines(r.stdout).filter((l) => l.type === 'seed').map((l) => l.seed);
      assert.deepEqual(seeds, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].filter((s) => (s - 1) % 3 === k - 1));
      fs.writeFileSync(path.join(dir, `shard${k}.jsonl`), r.stdout);
      return `shard${k}.jsonl`;
    });
    const merged = ksw(['hunt', 'merge', ...files, '--json']);
    assert.equal(merged.status, whole.status, merged.stderr);
    assert.deepEqual(comparable(merged.stdout), comparable(whole.stdout));
    // the text form lists the same seeds
    const text = ksw(['hunt', 'merge', ...files]);
    const corrupted = (jsonLines(whole.stdout).at(-1)!.corrupted as number[]).join(' ');
    assert.match(text.stdout, new RegExp(`^corrupted: ${corrupted}$`, 'm'));
  });

  test('merge refuses a missing shard, a shard twice and a cut-short file', () => {
    const missing = ksw(['hunt', 'merge', 'shard1.jsonl', 'shard3.jsonl']);
    assert.equal(missing.status, 2);
    assert.equal(missing.stderr.trim(), 'ksw hunt merge: missing shard 2/3');
    const twice = ksw(['hunt', 'merge', 'shard1.jsonl', 'shard1.jsonl', 'shard2.jsonl', 'shard3.jsonl']);
    assert.equal(twice.status, 2);
    assert.match(twice.stderr, /shard 1\/3 is given twice/);
    const lines = fs.readFileSync(path.join(dir, 'shard2.jsonl'), 'utf8').trim().split('\n');
    fs.writeFileSync(path.join(dir, 'cut.jsonl'), lines.slice(0, -1).join('\n') + '\n');
    const cut = ksw(['hunt', 'merge', 'shard1.jsonl', 'cut.jsonl', 'shard3.jsonl']);
    assert.equal(cut.status, 2);
    assert.match(cut.stderr, /cut\.jsonl: no final \{"type":"hunt"\} line/);
    const garbage = ksw(['hunt', 'merge', 'narrow_race.o']);
    assert.equal(garbage.status, 2);
    assert.equal(garbage.stderr.split('\n').filter(Boolean).length, 1);
  });

  test('a finding\'s printed ksw run command replays the same corruption', () => {
    const text = hunt(['--jobs', '2']);
    assert.equal(text.status, 1);
    const replay = text.stdout.split('\n').find((l) => l.startsWith('  ksw run '))!.trim();
    const seedLine = jsonLines(whole.stdout).find((l) => l.type === 'seed' && l.status === 1)!;
    assert.equal(replay, seedLine.replay);
    // run the printed command through a shell, with ksw being the bundled CLI
    const r = spawnSync('sh', ['-c', `ksw() { "${process.execPath}" "${KSW}" "$@"; }; ${replay} --json`], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    const corruption = jsonLines(r.stdout).find((l) => l.type === 'corruption')!;
    const report = seedLine.report as Record<string, unknown>;
    assert.equal(corruption.time_ns, report.time_ns);
    assert.equal((corruption.writer as Record<string, unknown>).symbol, report.writer);
    assert.equal(jsonLines(r.stdout).find((l) => l.type === 'exit')!.insns, seedLine.insns);
  });

  test('--stop-after K stops at the K-th finding in seed order, whatever the jobs', () => {
    const corrupted = jsonLines(whole.stdout).at(-1)!.corrupted as number[];
    for (const jobs of ['1', '2']) {
      const r = hunt(['--json', '--jobs', jobs, '--stop-after', '1']);
      assert.equal(r.status, 1);
      const last = jsonLines(r.stdout).at(-1)!;
      assert.deepEqual(last.corrupted, [corrupted[0]]);
      assert.equal(last.seeds, corrupted[0]);
      assert.equal(last.stopped, true);
    }
  });

  test('bad input is exit status 2 with a one-line reason', () => {
    const cases: [string[], RegExp][] = [
      [['hunt', 'narrow_race.o', '--seeds', '9-3'], /--seeds: '9-3' is empty/],
      [['hunt', 'narrow_race.o', '--seeds', 'lots'], /--seeds: 'lots' is not A-B/],
      [['hunt', 'narrow_race.o'], /missing --seeds/],
      [['hunt', 'narrow_race.o', '--seeds', '4', '--seed', '3'], /--seed: a hunt runs many seeds/],
      [['hunt', 'narrow_race.o', '--seeds', '4', '--shard', '4/3'], /--shard: '4\/3' needs 1 <= K <= N/],
      [['hunt', 'narrow_race.o', '--seeds', '4', '--jobs', '0'], /--jobs: '0' is not a number/],
      [['hunt', 'narrow_race.o', '--seeds', '4', '--watch', 'fn=no_such_function'], /no_such_function/],
      [['hunt', 'missing.o', '--seeds', '4'], /missing\.o/],
      [['hunt', 'merge'], /missing FILE/],
    ];
    for (const [args, reason] of cases) {
      const r = ksw(args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr.split('\n')[0], reason);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no JavaScript stack');
    }
  });
});
