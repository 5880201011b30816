// npm run package: build the bundles, then pack the extension into
// kstackwatch-studio-<version>.vsix with @vscode/vsce. .vscodeignore is an
// allow-list; this script checks that the files an installed extension
// needs are in the package (bundles, the wasm beside them, grammars, the
// guest SDK headers) and that nothing else large slipped in.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const args = process.argv.slice(2);
// --no-build: the bundles are already fresh (the E2E test runs right after npm test's build)
const noBuild = args.includes('--no-build');
const out = args.find((a) => !a.startsWith('--')) ?? join(root, `${pkg.name}-${pkg.version}.vsix`);
const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
const common = ['--no-dependencies', '--readme-path', 'extension/README.md'];

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', ...opts });
  if (r.status !== 0) {
    process.stderr.write(r.stdout ?? '');
    process.stderr.write(r.stderr ?? '');
    console.error(`package: ${[cmd, ...args].join(' ')} failed`);
    process.exit(1);
  }
  return r.stdout;
}

if (!noBuild) run(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
const files = run(process.execPath, [vsce, 'ls', ...common]).split('\n').map((l) => l.trim()).filter(Boolean);
const required = [
  'package.json', 'dist/extension.js', 'dist/adapter.js', 'dist/ksw.js', 'dist/iced-x86.js', 'dist/huntWorker.js', 'dist/iced_x86_bg.wasm',
  'syntaxes/ksw.tmLanguage.json', 'syntaxes/kstackwatch-log.tmLanguage.json', 'syntaxes/ksw.language-configuration.json',
  'simulator/sdk/include/linux/module.h', 'extension/media/watch.svg', 'docs/guide.md',
];
const missing = required.filter((f) => !files.includes(f));
if (missing.length) {
  console.error(`package: missing from the .vsix: ${missing.join(', ')}`);
  process.exit(1);
}
const strays = files.filter((f) => /\.(ts|map)$/.test(f) && !f.endsWith('.d.ts') || f.startsWith('node_modules/'));
if (strays.length) {
  console.error(`package: unexpected files in the .vsix: ${strays.slice(0, 10).join(', ')}`);
  process.exit(1);
}
run(process.execPath, [vsce, 'package', ...common, '--allow-missing-repository', '--skip-license', '--out', out], { stdio: ['ignore', 'inherit', 'inherit'] });
console.log(`package: ${out} (${files.length} files)`);
