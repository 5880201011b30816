// Launch configurations the extension writes for the user: F5 without a
// launch.json, the dynamic list ("KStackWatch: …" in the Run and Debug
// drop-down) and the initial launch.json. Pure functions over file names and
// texts; extension/debugProvider.ts feeds them from the workspace. A module
// source in a Kbuild folder (Makefile/Kbuild with obj-m) is launched as that
// folder: the adapter builds it with Kbuild and debugs the .ko.

import * as path from 'node:path';
import { blankCommentsAndStrings, findFunctions, functionAtLine, isKernelModuleSource, watchableFunctions } from './cSource';

export const DEBUG_TYPE = 'kstackwatch';

/** A `kstackwatch` launch configuration (DESIGN.md §3.4) as the editor writes it. */
export interface KswLaunchConfig {
  type: string;
  request: string;
  name: string;
  program?: string;
  stackWatch?: unknown;
  params?: Record<string, number | string | boolean>;
  args?: string[];
  cpus?: number;
  seed?: number;
  stopOnEntry?: boolean;
  stopOnCorruption?: boolean;
  maxInstructions?: number;
  compiler?: string;
  cflags?: string[];
  kernelHeaders?: string;
  makeArgs?: string[];
  cwd?: string;
  [key: string]: unknown;
}

/** One scenario of a test module: its parameters and a watch that catches it. */
export interface Scenario {
  label: string;
  params: Record<string, number>;
  stackWatch: string;
  /** Functions this scenario exercises (F5 in one of them picks the scenario). */
  functions: string[];
}

/**
 * The scenarios of examples/kstackwatch/kstackwatch_test.c (module parameter
 * `test`), with the watch the kernel series' documentation uses for each.
 */
export const KSTACKWATCH_TEST_SCENARIOS: readonly Scenario[] = [
  { label: 'test0 watch_fire', params: { test: 0 }, stackWatch: 'fn=test_watch_fire', functions: ['test_watch_fire'] },
  { label: 'test1 canary overflow', params: { test: 1 }, stackWatch: 'fn=test_canary_overflow', functions: ['test_canary_overflow'] },
  { label: 'test2 recursion, depth 3', params: { test: 2 }, stackWatch: 'fn=test_recursive_depth dp=3 so=8 wl=8', functions: ['test_recursive_depth'] },
  { label: 'test3 silent corruption (1 worker)', params: { test: 3 }, stackWatch: 'fn=test_mthread_victim var=buf[4]', functions: ['test_mthread_victim', 'test_mthread_buggy', 'test_mthread_worker', 'test_mthread_corrupt', 'test_mthread_corrupting', 'test_mthread_case'] },
  { label: 'test4 silent corruption (20 workers)', params: { test: 4 }, stackWatch: 'fn=test_mthread_victim var=buf[4]', functions: [] },
  { label: 'test5 prologue corruption', params: { test: 5 }, stackWatch: 'fn=test_mthread_buggy', functions: [] },
];

/** Scenario tables of known example modules, by file name. */
export function scenariosFor(file: string): readonly Scenario[] {
  return path.basename(file) === 'kstackwatch_test.c' ? KSTACKWATCH_TEST_SCENARIOS : [];
}

/** `${workspaceFolder}/rel/path` for a file inside the folder, else the absolute path. */
export function workspacePath(folder: string | undefined, file: string): string {
  if (!folder) return file;
  const rel = path.relative(folder, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return file;
  if (rel === '') return '${workspaceFolder}';
  return '${workspaceFolder}/' + rel.split(path.sep).join('/');
}

/**
 * What a module source is launched as: its Kbuild folder (built at launch)
 * when it has one, else the .c itself (compiled with `ksw cc`); and the
 * label its configurations carry.
 */
function moduleProgram(folder: string | undefined, file: string, kbuildFolder: string | undefined): { program: string; label: string } {
  const base = path.basename(file);
  return kbuildFolder
    ? { program: workspacePath(folder, kbuildFolder), label: `${base} (Kbuild)` }
    : { program: workspacePath(folder, file), label: base };
}

export interface SourceFile {
  /** Absolute path. */
  path: string;
  text: string;
  /** For a user-mode program: its built static executable, when one exists. */
  executable?: string;
  /** The Kbuild folder (a Makefile or Kbuild naming obj-m) the file lies in, when it does. */
  kbuildFolder?: string;
}

/** The dynamic configurations: every scenario of every example module, every module, every built program. */
export function dynamicConfigurations(folder: string | undefined, files: readonly SourceFile[]): KswLaunchConfig[] {
  const out: KswLaunchConfig[] = [];
  for (const f of files) {
    if (isKernelModuleSource(f.text)) {
      const { program, label } = moduleProgram(folder, f.path, f.kbuildFolder);
      const scenarios = scenariosFor(f.path);
      if (scenarios.length) {
        for (const s of scenarios) {
          out.push({ type: DEBUG_TYPE, request: 'launch', name: `KStackWatch: ${label} ${s.label}`, program, params: { ...s.params }, stackWatch: s.stackWatch });
        }
      } else {
        const fn = canaryFunction(f.text);
        out.push({ type: DEBUG_TYPE, request: 'launch', name: `KStackWatch: ${label}`, program, ...(fn ? { stackWatch: `fn=${fn.name}` } : {}) });
      }
    } else if (f.executable && /\bmain\s*\(/.test(f.text)) {
      out.push({ type: DEBUG_TYPE, request: 'launch', name: `KStackWatch: user-mode ${path.basename(f.executable)}`, program: workspacePath(folder, f.executable), args: [] });
    }
  }
  return out;
}

/** What F5 with no launch.json knows about the active editor. */
export interface ActiveEditor {
  file: string;
  languageId: string;
  text: string;
  /** 0-based cursor line. */
  line: number;
  /** The built executable next to a user-mode source, when there is one. */
  executable?: string;
  /** The Kbuild folder the file lies in, when it does (the module is built with Kbuild and its .ko debugged). */
  kbuildFolder?: string;
}

/**
 * The configuration F5 runs when there is no launch.json: the C file in the
 * editor — compiled with `ksw cc`, or its Kbuild folder built with Kbuild —
 * with a canary watch on the function at the cursor (and the scenario that
 * exercises it, for a known example module). With no editor open in a
 * workspace that is a Kbuild folder (`kbuildRoot`), that folder's module.
 * A string is the reason nothing can be run.
 */
export function launchForEditor(editor: ActiveEditor | undefined, folder?: string, kbuildRoot?: string): KswLaunchConfig | string {
  if (!editor && kbuildRoot) {
    return { type: DEBUG_TYPE, request: 'launch', name: `KStackWatch: ${path.basename(kbuildRoot)} (Kbuild)`, program: workspacePath(folder, kbuildRoot) };
  }
  if (!editor) return 'Open a C test module (or its .o or .ko, or a file of a Kbuild module folder) and press F5 again, or add a launch.json.';
  if (/\.(o|ko)$/.test(editor.file)) {
    return { type: DEBUG_TYPE, request: 'launch', name: `KStackWatch: ${path.basename(editor.file)}`, program: workspacePath(folder, editor.file) };
  }
  if (editor.languageId !== 'c' && !editor.file.endsWith('.c')) {
    return `KStackWatch runs C test modules: ${path.basename(editor.file)} is not a C file. Open one (e.g. examples/kstackwatch/kstackwatch_test.c) and press F5.`;
  }
  const name = path.basename(editor.file);
  if (!isKernelModuleSource(editor.text)) {
    if (editor.executable) {
      return { type: DEBUG_TYPE, request: 'launch', name: `KStackWatch: user-mode ${path.basename(editor.executable)}`, program: workspacePath(folder, editor.executable), args: [] };
    }
    return `${name} is not a kernel test module (no module_init) and has no built static executable beside it; build it with musl-gcc -static, or add a launch.json.`;
  }
  const { program, label } = moduleProgram(folder, editor.file, editor.kbuildFolder);
  const config: KswLaunchConfig = { type: DEBUG_TYPE, request: 'launch', name: `KStackWatch: ${label}`, program };
  const fn = functionAtLine(findFunctions(editor.text), editor.line);
  if (fn && !fn.lifecycle) {
    config.stackWatch = `fn=${fn.name}`;
    config.name = `KStackWatch: ${name} (${editor.kbuildFolder ? 'Kbuild, ' : ''}watch ${fn.name})`;
    const scenario = scenariosFor(editor.file).find((s) => s.functions.includes(fn.name));
    if (scenario) {
      config.params = { ...scenario.params };
      if (scenario.stackWatch.startsWith(`fn=${fn.name} `) || scenario.stackWatch === `fn=${fn.name}`) config.stackWatch = scenario.stackWatch;
    }
  }
  return config;
}

/**
 * The start of the launch.json a user gets from "create a launch.json file"
 * (the workspace's modules and scenarios follow, from dynamicConfigurations).
 */
export const INITIAL_CONFIGURATIONS: readonly KswLaunchConfig[] = [
  {
    type: DEBUG_TYPE, request: 'launch', name: 'KStackWatch: canary of the function at the cursor',
    program: '${file}', stackWatch: 'fn=${command:kstackwatch.functionAtCursor}',
  },
];

/**
 * The function a module's own configuration watches by default: the first
 * (not init/exit) one of this file whose frame has a stack canary — under
 * -fstack-protector-strong, one with a local array — since a canary watch
 * on a function without one cannot work; else the first watchable one.
 */
export function canaryFunction(text: string): ReturnType<typeof watchableFunctions>[number] | undefined {
  const code = blankCommentsAndStrings(text);
  const functions = watchableFunctions(text);
  return functions.find((fn) => /\b[A-Za-z_]\w*\s+\**\s*[A-Za-z_]\w*\s*\[[^\]]+\]\s*[;=]/.test(code.slice(fn.bodyStart, fn.bodyEnd))) ?? functions[0];
}
