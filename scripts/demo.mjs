// `npm run demo`: the KStackWatch scenario 3 of the bundled test module —
// a buggy function publishes its stack buffer and sometimes returns early; a
// corrupting kthread later writes through the stale pointer into the next
// function's frame. The watch on that frame catches the writer in the act.
// The prebuilt module examples/kstackwatch/kstackwatch_test.o is committed,
// so no compiler is needed (npm run build:guests rebuilds it).
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = [join(root, 'bin/ksw'), 'run', join(root, 'examples/kstackwatch/kstackwatch_test.o'),
  '--param', 'test=3', '--watch', 'fn=test_mthread_victim var=buf[4]', '--quiet'];
console.log(`$ ksw ${args.slice(1).map((a) => (a.includes(' ') ? `"${a}"` : a)).join(' ').replace(root + '/', '')}\n`);
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
// ksw run exits 1 when it caught a stack corruption — the expected outcome here.
if (r.status === 1) {
  console.log('\nksw run exited 1: stack corruption caught (the expected result of this demo).');
  process.exit(0);
}
console.error(`\nksw run exited ${r.status}: expected 1 (corruption caught)`);
process.exit(1);
