#!/usr/bin/env node
// The layering check: every relative import between the product's folders
// must go down the stack
//
//   extension → adapter → simulator front ends (debug, cli) → system, toolchain
//   → kstackwatch → kernel → elf / dwarf / user → cpu → memory → sdk, text, errors, snapshot, sched
//
// (system is the composition root that boots a kernel with KStackWatch;
// toolchain compiles a module with gcc for both front ends; sdk is the guest
// SDK: ABI constants and compiler flags; text holds small formatting helpers;
// errors holds the UserError base every layer throws; snapshot copies and
// restores object graphs in place, for checkpoints; sched holds the shape of an
// interleaving policy both schedulers share).
// Every folder of simulator/ must have a place in LAYERS.
// A folder may import anything in its own subtree; folders on the same
// layer may not import each other, except the edges listed in SIDEWAYS.
// Type-only imports count too: a type names its owner.
// Also reports any import cycle between folders.
//
// Usage: node scripts/check-layers.mjs [--json] [--root DIR]   (exit 1 on a violation;
// --root checks another tree of the same shape: the tests use a fixture)

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Top layer first. Folders on one line share a layer. */
export const LAYERS = [
  ['extension'],
  ['adapter'],
  ['simulator/debug', 'simulator/cli'],
  ['simulator/system', 'simulator/toolchain'],
  ['simulator/kstackwatch'],
  ['simulator/kernel'],
  ['simulator/elf', 'simulator/dwarf', 'simulator/user'],
  ['simulator/cpu'],
  ['simulator/memory'],
  ['simulator/sdk', 'simulator/text', 'simulator/errors', 'simulator/snapshot', 'simulator/sched'],
];

/** Same-layer imports that are allowed (from → to). */
export const SIDEWAYS = [['simulator/dwarf', 'simulator/elf'], ['simulator/user', 'simulator/elf']];

const rank = new Map(LAYERS.flatMap((folders, i) => folders.map((f) => [f, i])));

/** The layered folder a repository path belongs to, or null (tests, benchmarks, scripts). */
export function folderOf(path) {
  const parts = path.split('/');
  const two = parts.slice(0, 2).join('/');
  if (rank.has(two)) return two;
  if (rank.has(parts[0])) return parts[0];
  return null;
}

function tsFiles(dir) {
  const out = [];
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) { if (name !== 'node_modules') out.push(...tsFiles(p)); }
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*'([^']+)'|(?:^|\n)\s*import\s*'([^']+)'|require\('([^']+)'\)/g;

/** Every relative import between files of layered folders under `base`: { from, to, file, spec }; folders in no layer go to `unplaced`. */
export function imports(base = root, unplaced = new Set()) {
  const edges = [];
  for (const top of ['extension', 'adapter', 'simulator']) {
    for (const file of tsFiles(join(base, top))) {
      const rel = relative(base, file).split('\\').join('/');
      const from = folderOf(rel);
      if (!from) { unplaced.add(rel.split('/').slice(0, 2).join('/')); continue; }
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(IMPORT)) {
        const spec = m[1] ?? m[2] ?? m[3];
        if (!spec.startsWith('.')) continue;
        const target = relative(base, resolve(dirname(file), spec)).split('\\').join('/');
        const to = folderOf(target);
        if (!to || to === from) continue;
        edges.push({ from, to, file: rel, spec });
      }
    }
  }
  return edges;
}

/** Violations of the layering, and cycles between folders. */
export function check(base = root) {
  const unplaced = new Set();
  const edges = imports(base, unplaced);
  const problems = [...unplaced].map((f) => `${f}: not in the layers (add it to LAYERS in scripts/check-layers.mjs)`);
  const sideways = new Set(SIDEWAYS.map(([a, b]) => `${a}→${b}`));
  for (const e of edges) {
    const rf = rank.get(e.from), rt = rank.get(e.to);
    if (rt > rf) continue;
    if (rt === rf && sideways.has(`${e.from}→${e.to}`)) continue;
    problems.push(`${e.file}: imports '${e.spec}' — ${e.from} may not import ${e.to} (${rt < rf ? 'upward' : 'same layer'})`);
  }
  // cycles between folders (Tarjan's strongly connected components)
  const graph = new Map();
  for (const e of edges) {
    if (!graph.has(e.from)) graph.set(e.from, new Set());
    graph.get(e.from).add(e.to);
  }
  let index = 0;
  const idx = new Map(), low = new Map(), stack = [], on = new Set(), cycles = [];
  const visit = (v) => {
    idx.set(v, index); low.set(v, index); index++; stack.push(v); on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do { w = stack.pop(); on.delete(w); scc.push(w); } while (w !== v);
      if (scc.length > 1) cycles.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  for (const c of cycles) problems.push(`import cycle between folders: ${c.join(' ↔ ')}`);
  return { edges: edges.length, problems };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--root');
  const r = check(at > 0 && process.argv[at + 1] ? resolve(process.argv[at + 1]) : root);
  if (process.argv.includes('--json')) console.log(JSON.stringify(r, null, 2));
  else if (r.problems.length === 0) console.log(`layers: ok (${r.edges} imports between folders, no cycles)`);
  else { for (const p of r.problems) console.error(p); console.error(`layers: ${r.problems.length} problem(s)`); }
  process.exit(r.problems.length === 0 ? 0 : 1);
}
