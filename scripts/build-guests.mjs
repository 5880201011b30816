// Builds the prebuilt guests under examples/: user programs with
// `musl-gcc -static -O2`, kernel test modules with `ksw cc` (gcc). The
// outputs are committed, so the demo (`npm run demo`) and examples/ work on
// machines without a compiler; run this after changing a source:
// `npm run build:guests` (after `npm run build`).
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cc = process.env.MUSL_GCC || 'musl-gcc';
const guests = [{ src: 'examples/user/hello.c', out: 'examples/user/hello' }];

const probe = spawnSync(cc, ['--version'], { encoding: 'utf8' });
if (probe.error || probe.status !== 0) {
  console.error(`build-guests: ${cc} not found — install musl-tools (scripts/install-deps.sh)`);
  process.exit(1);
}
const modules = [{ src: 'examples/kstackwatch/kstackwatch_test.c', out: 'examples/kstackwatch/kstackwatch_test.o' }];
for (const m of modules) {
  const r = spawnSync(process.execPath, [join(root, 'bin/ksw'), 'cc', join(root, m.src), '-o', join(root, m.out)], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`build-guests: ksw cc ${m.src} failed`);
    process.exit(1);
  }
  console.log(`build-guests: ${m.out}`);
}
for (const g of guests) {
  // Symbols are kept: the simulator names functions in its fault messages.
  const args = ['-static', '-O2', '-o', join(root, g.out), join(root, g.src)];
  const r = spawnSync(cc, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`build-guests: ${cc} ${args.join(' ')} failed`);
    process.exit(1);
  }
  console.log(`build-guests: ${g.out}`);
}
