// A real VS Code for the end-to-end tests, as ../shared/E2E.md describes:
// VS Code Web served by code-server (from npm, on Node 24 from npm, cached
// by scripts/install-code-server.sh), driven by Debian's Chromium through
// playwright-core. Nothing here downloads anything, and no connection leaves
// the machine: code-server listens on 127.0.0.1 with the gallery disabled,
// and Chromium resolves every other host to nothing.

import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { IN_CI, missingTool } from '../tools';

export const ROOT = path.resolve(__dirname, '../../..');
export const CHROMIUM = process.env.KSW_CHROMIUM || '/usr/bin/chromium';

interface Ready { codeServer: string; node: string; entry: string }

export function cacheDir(): string {
  return process.env.KSW_E2E_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'kstackwatch-studio');
}

/** The cached code-server install, or why there is none. */
export function findCodeServer(): Ready | string {
  const versions = JSON.parse(fs.readFileSync(path.join(ROOT, 'test/e2e/versions.json'), 'utf8')) as { codeServer: string };
  const ready = path.join(cacheDir(), `code-server-${versions.codeServer}`, 'ready.json');
  if (!fs.existsSync(ready)) return `code-server ${versions.codeServer} is not installed (run bash scripts/install-code-server.sh)`;
  const r = JSON.parse(fs.readFileSync(ready, 'utf8')) as Ready;
  if (!fs.existsSync(r.node) || !fs.existsSync(r.entry)) return `the code-server cache ${path.dirname(ready)} is incomplete (remove it and run bash scripts/install-code-server.sh)`;
  return r;
}

/**
 * A reason to skip the E2E tests here, or false when everything they need is
 * installed. Under CI=true a missing piece is not a skip (test/tools.ts): the
 * tests run and fail; only KSW_E2E=0 or a non-Linux host skips there.
 */
export function skipReason(): string | false {
  if (process.env.KSW_E2E === '0') return 'KSW_E2E=0';
  if (process.platform !== 'linux') return 'the E2E tests run on Linux only';
  const why = missingPiece();
  return why !== null && !IN_CI ? why : false;
}

function missingPiece(): string | null {
  const cs = findCodeServer();
  if (typeof cs === 'string') return cs;
  const noChromium = missingTool('chromium');
  if (noChromium) return noChromium;
  try { require.resolve('playwright-core'); } catch { return 'playwright-core is not installed (npm ci)'; }
  return missingTool('gcc');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function get(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('error', () => resolve(0));
    req.setTimeout(2000, () => { req.destroy(); resolve(0); });
  });
}

export interface CodeServer {
  url: string;
  workspace: string;
  stop(): void;
}

/** Settings that matter for a scripted session (E2E.md), plus quiet defaults. */
export const USER_SETTINGS = {
  'debug.openDebug': 'openOnSessionStart',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'workbench.enableExperiments': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'security.workspace.trust.enabled': false,
  'editor.codeLens': true,
  'editor.minimap.enabled': false,
  'window.commandCenter': false,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'git.openRepositoryInParentFolders': 'never',
  'github.copilot.enable': { '*': false },
};

/**
 * Install the .vsix into a fresh profile under `work`, copy `workspaceSource`
 * there, and serve it. `stop()` ends code-server's whole process group.
 * `opts.settings` adds user settings; `opts.defaults` names settings of
 * USER_SETTINGS to leave at VS Code's default instead.
 */
export async function startCodeServer(work: string, vsix: string, workspaceSource: string, log: (line: string) => void,
  opts: { settings?: Record<string, unknown>; defaults?: string[] } = {}): Promise<CodeServer> {
  const cs = findCodeServer();
  if (typeof cs === 'string') throw new Error(cs);
  fs.rmSync(work, { recursive: true, force: true });
  const dirs = { user: path.join(work, 'user-data'), ext: path.join(work, 'extensions'), tmp: path.join(work, 'tmp'), xdg: path.join(work, 'xdg'), ws: path.join(work, 'workspace') };
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
  fs.cpSync(workspaceSource, dirs.ws, { recursive: true });
  fs.mkdirSync(path.join(dirs.user, 'User'), { recursive: true });
  // KSW_E2E_ADAPTER_MODE=inline runs the same test with the adapter inside the extension host
  const settings: Record<string, unknown> = { ...USER_SETTINGS, ...opts.settings, ...(process.env.KSW_E2E_ADAPTER_MODE ? { 'kstackwatch.adapterMode': process.env.KSW_E2E_ADAPTER_MODE } : {}) };
  // `defaults`: settings left at VS Code's own default, as a new user has them
  for (const key of opts.defaults ?? []) delete settings[key];
  fs.writeFileSync(path.join(dirs.user, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  const env = { ...process.env, EXTENSIONS_GALLERY: '{}', TMPDIR: dirs.tmp, XDG_CONFIG_HOME: dirs.xdg, XDG_DATA_HOME: path.join(dirs.xdg, 'data') };
  const common = ['--config', '/dev/null', '--user-data-dir', dirs.user, '--extensions-dir', dirs.ext];
  const install = spawnSync(cs.node, [cs.entry, ...common, '--install-extension', vsix], { env, encoding: 'utf8', timeout: 120_000 });
  log(`install-extension: ${(install.stdout + install.stderr).trim().split('\n').pop()}`);
  if (install.status !== 0) throw new Error(`--install-extension failed: ${install.stderr || install.stdout}`);
  const port = await freePort();
  const child: ChildProcess = spawn(cs.node, [
    cs.entry, ...common, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
    '--disable-workspace-trust', '--disable-getting-started-override', dirs.ws,
  ], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = fs.createWriteStream(path.join(work, 'code-server.log'));
  // both into one log: neither may end it (stderr writing after stdout ended it was a 'write after end'); close does
  child.stdout?.pipe(out, { end: false });
  child.stderr?.pipe(out, { end: false });
  child.on('close', () => out.end());
  const stop = () => {
    if (child.pid && child.exitCode === null) {
      try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
    }
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while ((await get(`${url}/healthz`)) !== 200) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}; see ${path.join(work, 'code-server.log')}`);
    if (Date.now() > deadline) { stop(); throw new Error('code-server did not answer /healthz within 60 s'); }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url: `${url}/?folder=${encodeURIComponent(dirs.ws)}`, workspace: dirs.ws, stop };
}

/** Chromium flags that keep it off the network and quiet (E2E.md). */
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];
