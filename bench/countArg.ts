// The one optional argument of the bundled bench scripts (bench-kstackwatch:
// CALLS, bench-sched: SEEDS): a positive integer. Anything else — a flag
// meant for another bench script, a typo — ends the script with a one-line
// reason and exit status 2 instead of a NaN run that crashes later.

export function countArg(argv: string[], script: string, name: string, fallback: number): number {
  const usage = `usage: node dist/${script}.js [${name}]   (${name}: a positive integer, default ${fallback})`;
  if (argv.length > 1 || argv[0] === '-h' || argv[0] === '--help') fail(argv.length > 1 ? `${script}: too many arguments` : '', usage);
  if (argv.length === 0) return fallback;
  const v = Number(argv[0]);
  if (!/^\d+$/.test(argv[0]) || !Number.isSafeInteger(v) || v < 1) {
    fail(`${script}: ${argv[0].startsWith('-') ? 'unknown option' : `${name} must be a positive integer, not`} ${argv[0]}`, usage);
  }
  return v;
}

function fail(reason: string, usage: string): never {
  if (reason) console.error(reason);
  console.error(usage);
  process.exit(reason ? 2 : 0);
}
