// `npm run bench -- ARGS`: the runner hands each bench script only its own
// arguments, and the bundled scripts reject what they do not understand with
// one line and exit status 2 (bench-sched once took `--cpu` for its seed
// count, ran seeds "1-NaN" and crashed on empty JSON).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../../..'); // out/test/unit -> repository root

function run(script: string, args: string[]): { status: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [join(root, script), ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

test('bench-sched and bench-kstackwatch reject unknown options and bad counts in one line, exit 2', () => {
  for (const [script, args, reason] of [
    ['dist/bench-sched.js', ['--cpu'], 'bench-sched: unknown option --cpu'],
    ['dist/bench-sched.js', ['0'], 'bench-sched: SEEDS must be a positive integer, not 0'],
    ['dist/bench-sched.js', ['3', '4'], 'bench-sched: too many arguments'],
    ['dist/bench-kstackwatch.js', ['12x'], 'bench-kstackwatch: CALLS must be a positive integer, not 12x'],
    ['dist/bench-kstackwatch.js', ['--scale'], 'bench-kstackwatch: unknown option --scale'],
  ] as const) {
    const r = run(script, [...args]);
    assert.equal(r.status, 2, `${script} ${args.join(' ')}`);
    assert.equal(r.stderr.split('\n')[0], reason);
    assert.match(r.stderr.split('\n')[1], /^usage: node dist\/bench-/);
    assert.doesNotMatch(r.stderr, /\n\s+at /); // no JS stack
  }
});

test('bench runner: bad --parts and a missing value are one-line errors; run.js options reach run.js', () => {
  let r = run('scripts/bench.mjs', ['--parts', 'programs,nope']);
  assert.equal(r.status, 2);
  assert.equal(r.stderr.split('\n')[0], 'bench: --parts takes a list of programs, kstackwatch, sched, not nope');
  r = run('scripts/bench.mjs', ['--seeds']);
  assert.equal(r.status, 2);
  assert.equal(r.stderr.split('\n')[0], 'bench: --seeds needs a value');
  // an option only the program table knows is handed to it (and only to it): its own usage error
  r = run('scripts/bench.mjs', ['--parts', 'programs', '--repeat', '0']);
  assert.equal(r.status, 2);
  assert.equal(r.stderr.split('\n')[0], 'bench: --repeat needs a positive integer');
  // the runner stops at the first failing part; the bundled parts get their own argument
  r = run('scripts/bench.mjs', ['--parts', 'kstackwatch,sched', '--calls', 'many']);
  assert.equal(r.status, 2);
  assert.equal(r.stderr.split('\n')[0], 'bench-kstackwatch: CALLS must be a positive integer, not many');
});
