// The stack of an internal error, as KSW_DEBUG=1 prints it, in source terms.
// The CLI bundles are minified (scripts/build.mjs) and bin/ksw compiles
// dist/ksw.js itself through vm.Script (codeCache.ts), so node's own
// --enable-source-maps never sees the bundle: its frames would read
// `at Xe (dist/ksw.js:2:48113)`. Each frame in a file with a `.map` beside
// it becomes `at Xe (/…/simulator/cpu/cpu.ts:812:7)`. Only ever runs on the
// way out of a failed command, so reading and parsing the map here costs
// nothing on the paths that work.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { SourceMap } from 'node:module';

/** A frame's location: `(FILE:LINE:COL)` or a bare `at FILE:LINE:COL`. */
const FRAME = /(\(|at )([^()\s]+):(\d+):(\d+)(\)?)$/;

/** `stack` with every frame in a source-mapped file rewritten to its source file, line and column. */
export function sourceMappedStack(stack: string): string {
  const maps = new Map<string, SourceMap | null>();
  return stack.split('\n').map((line) => {
    const m = FRAME.exec(line);
    if (!m) return line;
    const [whole, open, file, lineNo, col, close] = m;
    const map = mapFor(file, maps);
    if (!map) return line;
    // both 0-based in findEntry; stack traces count from 1
    const entry = map.findEntry(Number(lineNo) - 1, Number(col) - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
    if (entry.originalSource === undefined || entry.originalLine === undefined || entry.originalColumn === undefined) return line;
    const source = path.resolve(path.dirname(file), entry.originalSource);
    return line.slice(0, line.length - whole.length) + `${open}${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}${close}`;
  }).join('\n');
}

/** The parsed `FILE.map`, or null when there is none or it does not parse. */
function mapFor(file: string, maps: Map<string, SourceMap | null>): SourceMap | null {
  if (!maps.has(file)) {
    let map: SourceMap | null = null;
    try {
      map = new SourceMap(JSON.parse(fs.readFileSync(`${file}.map`, 'utf8')));
    } catch {
      // no map beside it (node's own files, a test's transpiled out/): the frame stays as it is
    }
    maps.set(file, map);
  }
  return maps.get(file)!;
}
