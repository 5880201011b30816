// `npm run fuzz [-- --count N] [--seed S] [--target SUBSTRING]`: the fuzz
// targets run long, with a table of inputs tried, clean errors, crashes and
// hangs (the first few of each printed). Exit status 1 if any crashed or hung.

import { fuzz, formatStats } from './fuzz';
import { ALL_TARGETS } from './targets';

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const opt = (name: string, dflt: string): string => { const i = argv.indexOf(name); return i >= 0 && argv[i + 1] ? argv[i + 1] : dflt; };
  const count = Number(opt('--count', '2000'));
  const seed = Number(opt('--seed', String(Date.now() % 100000)));
  const only = opt('--target', '');
  let bad = 0;
  const totals = { tried: 0, clean: 0, crashes: 0, hangs: 0 };
  for (const t of ALL_TARGETS.filter((x) => x.name.includes(only))) {
    const why = t.unavailable();
    if (why) { console.log(`${t.name}: skipped (${why})`); continue; }
    // process targets are ~100x slower per input: a tenth of the count
    const n = t.perProcess ? Math.max(1, Math.round(count / 10)) : count;
    const s = await fuzz(t, seed, n);
    console.log(formatStats(s));
    for (const c of [...s.crashes.slice(0, 3), ...s.hangs.slice(0, 3)]) console.log(`  input ${c.index}: ${c.error.split('\n').slice(0, 4).join('\n    ')}`);
    bad += s.crashes.length + s.hangs.length;
    totals.tried += s.tried; totals.clean += s.clean; totals.crashes += s.crashes.length; totals.hangs += s.hangs.length;
  }
  console.log(`total: ${totals.tried} inputs, ${totals.clean} clean errors, ${totals.crashes} crashes, ${totals.hangs} hangs (seed ${seed})`);
  return bad > 0 ? 1 : 0;
}

main().then((code) => process.exit(code), (e) => { console.error(e); process.exit(1); });
