// `ksw hunt merge FILE… [--json]`: combine the `--json` outputs of hunt
// shards (run by a CI matrix, a Kubernetes Indexed Job, or by hand) into the
// result one hunt over the whole range would have printed. A file cut short,
// a shard missing or given twice, or shards of different ranges is bad input
// (status 2), so a broken CI run never passes for a clean one.

import * as fs from 'node:fs';
import type { SeedResult } from './huntSeed';
import { HuntReporter, HuntSummary, huntStatus, summarize } from './huntReport';
import { EXIT_BAD_INPUT } from './moduleRun';
import { HUNT_USAGE } from './huntArgs';
import { UserError } from '../errors/userError';

type Out = (line: string) => void;

export class MergeInputError extends UserError {}

interface HuntFile { name: string; seeds: SeedResult[]; summary: HuntSummary }

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseHuntOutput(name: string, text: string): HuntFile {
  const seeds: SeedResult[] = [];
  let summary: HuntSummary | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const where = `${name}:${i + 1}`;
    let v: unknown;
    try { v = JSON.parse(line); } catch { throw new MergeInputError(`${where}: not a JSON line (give the output of ksw hunt --json)`); }
    if (!isObject(v)) throw new MergeInputError(`${where}: not a ksw hunt --json line`);
    if (summary) throw new MergeInputError(`${where}: a line after the final {"type":"hunt"} line`);
    if (v.type === 'seed') {
      if (!Number.isInteger(v.seed) || ![0, 1, 3].includes(v.status as number)) throw new MergeInputError(`${where}: a seed line needs an integer "seed" and "status" 0, 1 or 3`);
      seeds.push(v as unknown as SeedResult);
    } else if (v.type === 'hunt') {
      if (!Number.isInteger(v.seeds) || typeof v.wall_ms !== 'number') throw new MergeInputError(`${where}: a hunt line needs "seeds" and "wall_ms"`);
      summary = v as unknown as HuntSummary;
    } else {
      throw new MergeInputError(`${where}: unexpected "type" ${JSON.stringify(v.type)} (expected "seed" or "hunt")`);
    }
  }
  if (!summary) throw new MergeInputError(`${name}: no final {"type":"hunt"} line — the hunt did not finish`);
  if (summary.seeds !== seeds.length) throw new MergeInputError(`${name}: ${seeds.length} seed lines but the hunt line says ${summary.seeds}`);
  return { name, seeds, summary };
}

/** Check the files are whole shards of one range (when they say they are shards). */
function checkShards(files: HuntFile[]): void {
  const sharded = files.filter((f) => f.summary.shard);
  if (!sharded.length) return;
  const specs = new Set(files.map((f) => f.summary.spec));
  if (specs.size > 1) throw new MergeInputError(`the files hunt different --seeds (${[...specs].join(', ')})`);
  const counts = new Set(sharded.map((f) => f.summary.shard!.split('/')[1]));
  if (counts.size > 1 || sharded.length !== files.length) throw new MergeInputError('the files are not shards of the same --shard K/N split');
  const n = Number([...counts][0]);
  const seen = new Map<number, string>();
  for (const f of sharded) {
    const k = Number(f.summary.shard!.split('/')[0]);
    if (seen.has(k)) throw new MergeInputError(`shard ${k}/${n} is given twice (${seen.get(k)} and ${f.name})`);
    seen.set(k, f.name);
  }
  const missing = [];
  for (let k = 1; k <= n; k++) if (!seen.has(k)) missing.push(`${k}/${n}`);
  if (missing.length) throw new MergeInputError(`missing shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
}

export function mergeHuntFiles(files: HuntFile[]): { seeds: SeedResult[]; summary: HuntSummary } {
  checkShards(files);
  const bySeed = new Map<number, SeedResult>();
  for (const f of files) {
    for (const s of f.seeds) {
      const prev = bySeed.get(s.seed);
      if (prev && prev.status !== s.status) throw new MergeInputError(`seed ${s.seed} has status ${prev.status} in one file and ${s.status} in ${f.name}`);
      bySeed.set(s.seed, s);
    }
  }
  const seeds = [...bySeed.values()].sort((a, b) => a.seed - b.seed);
  const spec = files[0]?.summary.spec;
  const summary = summarize(seeds, {
    // Shards run side by side: the merged hunt took as long as the slowest.
    wall_ms: Math.max(0, ...files.map((f) => f.summary.wall_ms)),
    ...(spec !== undefined && files.every((f) => f.summary.spec === spec) ? { spec } : {}),
    ...(files.some((f) => f.summary.stopped) ? { stopped: true } : {}),
  });
  return { seeds, summary };
}

export function mergeCommand(argv: string[], err: Out, out: Out): number {
  const json = argv.includes('--json');
  const names = argv.filter((a) => a !== '--json');
  const bad = names.find((a) => a.startsWith('-') && a !== '-');
  if (bad || !names.length) {
    err(`ksw hunt merge: ${bad ? `unknown option '${bad}'` : 'missing FILE (the --json outputs of the shards)'}`);
    err(HUNT_USAGE);
    return EXIT_BAD_INPUT;
  }
  let merged;
  try {
    const files = names.map((name) => {
      let text: string;
      try { text = fs.readFileSync(name === '-' ? 0 : name, 'utf8'); } catch (e) {
        throw new MergeInputError(`${name}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
      }
      return parseHuntOutput(name, text);
    });
    merged = mergeHuntFiles(files);
  } catch (e) {
    if (e instanceof MergeInputError) { err(`ksw hunt merge: ${e.message}`); return EXIT_BAD_INPUT; }
    throw e;
  }
  const reporter = new HuntReporter(json, out, null, false);
  for (const s of merged.seeds) reporter.seed(s);
  reporter.finish(merged.summary);
  return huntStatus(merged.summary);
}
