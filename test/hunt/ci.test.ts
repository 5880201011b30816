// The CI examples (examples/ci/github-hunt.yml, examples/ci/k8s-hunt-job.yaml)
// run as their engines would run them, locally: the YAML is read just
// enough to take out its shard count, environment and shell scripts; every
// shard's script runs (with `${{ matrix.shard }}` or JOB_COMPLETION_INDEX
// filled in, a smaller seed range and the module's absolute path), then the
// merge, and the merged result must equal one hunt over the whole range.

import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseHuntArgs } from '../../simulator/cli/huntArgs';
import { needs } from '../tools';

const ROOT = path.resolve(__dirname, '../../..');
const CI = path.join(ROOT, 'examples/ci');
const SEEDS = '7-12';
const NEEDS_GCC = needs('gcc');

// ---- the YAML subset these files use -------------------------------------------------

const indentOf = (line: string) => line.length - line.trimStart().length;
const unquote = (v: string) => v.replace(/\s+#.*$/, '').trim().replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');

/** `KEY: value` lines directly under the top-level `name:` mapping (e.g. `env:`). */
function mapping(text: string, name: string): Record<string, string> {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l === `${name}:`);
  assert.ok(start >= 0, `no top-level ${name}:`);
  const out: Record<string, string> = {};
  for (const l of lines.slice(start + 1)) {
    if (l.trim() === '' || l.trimStart().startsWith('#')) continue;
    if (indentOf(l) === 0) break;
    const m = /^\s+([A-Za-z_][\w-]*):\s*(.*)$/.exec(l)!;
    out[m[1]] = unquote(m[2]);
  }
  return out;
}

/** The literal block (`|`) that follows the first line matching `anchor`, dedented. */
function literalBlockAfter(text: string, anchor: RegExp): string {
  const lines = text.split('\n');
  const a = lines.findIndex((l) => anchor.test(l));
  assert.ok(a >= 0, `no line matches ${anchor}`);
  const bar = lines.findIndex((l, i) => i >= a && /(:|-)\s*\|\s*$/.test(l));
  const base = indentOf(lines[bar + 1]);
  const block: string[] = [];
  for (const l of lines.slice(bar + 1)) {
    if (l.trim() !== '' && indentOf(l) < base) break;
    block.push(l.slice(base));
  }
  return block.join('\n').trim();
}

/** `- name: K` / `value: V` pairs of a container's env list. */
function envList(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/- name: (\w+)\n\s+value: (.*)/g)) out[m[1]] = unquote(m[2]);
  return out;
}

// ---- running the scripts ----------------------------------------------------------

let dir = '';
function sh(script: string, env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('sh', ['-c', script], { cwd: dir, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 600_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
/** The hunt command inside a script, as argv (the scripts use double-quoted "$VARS" only). */
function huntArgv(script: string, env: Record<string, string>): string[] {
  const line = script.split('\n').find((l) => l.includes('bin/ksw hunt'))!;
  const command = line.slice(line.indexOf('bin/ksw hunt') + 'bin/ksw hunt'.length, line.indexOf(' > ')).trim();
  const words = command.match(/"[^"]*"|\S+/g)!.map((w) => w.replace(/^"(.*)"$/, '$1'));
  return words.map((w) => w.replace(/\$\(\((\w+) \+ 1\)\)/g, (_m, v: string) => String(Number(env[v]) + 1))
    .replace(/\$(\w+)/g, (_m, v: string) => env[v] ?? ''));
}
function seedLists(stdout: string): unknown {
  const last = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
  return { seeds: last.seeds, corrupted: last.corrupted, oopsed: last.oopsed, clean: last.clean };
}

describe('CI engine examples run locally', NEEDS_GCC, () => {
  const module = path.join(ROOT, 'test/hunt/narrow_race.c');
  let whole: ReturnType<typeof sh>;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-hunt-ci-'));
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    // the scripts call `node bin/ksw` from the repository's root; give them one here
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.writeFileSync(path.join(dir, 'bin/ksw'), `require(${JSON.stringify(path.join(ROOT, 'dist/ksw.js'))});\n`);
    const watch = mapping(fs.readFileSync(path.join(CI, 'github-hunt.yml'), 'utf8'), 'env').WATCH;
    whole = sh(`node bin/ksw hunt "$MODULE" --watch "$WATCH" --seeds ${SEEDS} --json`, { MODULE: module, WATCH: watch });
    assert.ok(whole.status === 0 || whole.status === 1, whole.stderr);
  });

  test('GitHub Actions: the matrix shards merged equal the whole hunt', () => {
    const yaml = fs.readFileSync(path.join(CI, 'github-hunt.yml'), 'utf8');
    const env: Record<string, string> = { ...mapping(yaml, 'env'), SEEDS, MODULE: module };
    const shards = /shard: \[([\d, ]+)\]/.exec(yaml)![1].split(',').map(Number);
    assert.deepEqual(shards, Array.from({ length: Number(env.SHARDS) }, (_, i) => i + 1), 'SHARDS matches the matrix');
    const hunt = literalBlockAfter(yaml, /name: Hunt one shard/);
    for (const k of shards) {
      const script = hunt.replaceAll('${{ matrix.shard }}', String(k));
      const parsed = parseHuntArgs(huntArgv(script, env)); // the command is one the CLI accepts
      assert.deepEqual(parsed.shard, { index: k, count: shards.length });
      assert.ok(parsed.json);
      const r = sh(script, env);
      assert.equal(r.status, 0, `shard ${k}: ${r.stderr}`);
    }
    const merge = sh(literalBlockAfter(yaml, /name: Merge the shards/), env);
    assert.equal(merge.status, whole.status, merge.stderr);
    const json = sh(`${literalBlockAfter(yaml, /name: Merge the shards/)} --json`, env);
    assert.deepEqual(seedLists(json.stdout), seedLists(whole.stdout));
  });

  test('Kubernetes Indexed Job: the indexed pods merged equal the whole hunt', () => {
    const yaml = fs.readFileSync(path.join(CI, 'k8s-hunt-job.yaml'), 'utf8');
    assert.match(yaml, /^\s+completionMode: Indexed$/m);
    const completions = Number(/^\s+completions: (\d+)$/m.exec(yaml)![1]);
    const results = path.join(dir, 'results');
    fs.mkdirSync(results);
    const env: Record<string, string> = { ...envList(yaml), SEEDS, MODULE: module, RESULTS: results };
    assert.equal(Number(env.SHARDS), completions, 'SHARDS matches completions');
    assert.match(yaml, /command: \["sh", "-c"\]/);
    const podScript = literalBlockAfter(yaml, /^\s+args:$/);
    for (let index = 0; index < completions; index++) {
      const podEnv = { ...env, JOB_COMPLETION_INDEX: String(index) };
      const parsed = parseHuntArgs(huntArgv(podScript, podEnv));
      assert.deepEqual(parsed.shard, { index: index + 1, count: completions });
      const r = sh(podScript, podEnv);
      assert.equal(r.status, 0, `index ${index}: ${r.stderr}`);
    }
    const files = fs.readdirSync(results).sort().map((f) => path.join(results, f));
    assert.equal(files.length, completions);
    const merged = sh(`node bin/ksw hunt merge ${files.join(' ')} --json`, {});
    assert.equal(merged.status, whole.status, merged.stderr);
    assert.deepEqual(seedLists(merged.stdout), seedLists(whole.stdout));
  });
});
