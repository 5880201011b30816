// The extension's test in desktop VS Code through @vscode/test-electron, the
// ecosystem's standard runner. It downloads VS Code, so it is for machines
// with access to the VS Code download servers (a developer's laptop, most
// public CI); it cannot run where only package registries are reachable —
// there, `npm test` runs test/e2e in code-server instead (../shared/E2E.md).
//
//   npm run test:electron            # build, then run test/electron/suite.ts in VS Code stable
//   VSCODE_VERSION=1.90.0 npm run test:electron
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const build = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
try {
  await runTests({
    version: process.env.VSCODE_VERSION ?? 'stable',
    extensionDevelopmentPath: root,
    extensionTestsPath: join(root, 'out/test/electron/suite.js'),
    launchArgs: [join(root, 'examples'), '--disable-extensions', '--disable-workspace-trust'],
  });
} catch (e) {
  console.error(`test:electron failed: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
}
