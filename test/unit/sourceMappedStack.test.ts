// KSW_DEBUG=1's stack of an internal error names source files, not the
// minified bundle (simulator/cli/sourceMappedStack.ts): checked on the real
// dist/ksw.js and its map, as bin/ksw runs them.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sourceMappedStack } from '../../simulator/cli/sourceMappedStack';

const ROOT = path.resolve(__dirname, '../../..');
const BUNDLE = path.join(ROOT, 'dist/ksw.js');

/** The 1-based line and column in the bundle where `text` starts. */
function positionOf(text: string): { line: number; column: number } {
  const lines = fs.readFileSync(BUNDLE, 'utf8').split('\n');
  const line = lines.findIndex((l) => l.includes(text));
  assert.ok(line >= 0, `${text} is in ${BUNDLE}`);
  return { line: line + 1, column: lines[line].indexOf(text) + 1 };
}

test('a frame in dist/ksw.js becomes the source file, line and column it was built from', () => {
  const at = positionOf('internal error: ');
  const stack = [
    'TypeError: x is not a function',
    `    at Xe (${BUNDLE}:${at.line}:${at.column})`,
    `    at ${BUNDLE}:${at.line}:${at.column}`,
    '    at Module._compile (node:internal/modules/cjs/loader:1364:14)',
    `    at f (${path.join(ROOT, 'out/nothing-here.js')}:1:1)`,
  ].join('\n');
  const lines = sourceMappedStack(stack).split('\n');
  const source = path.join(ROOT, 'simulator/errors/userError.ts');
  const m = new RegExp(`^    at Xe \\((.*):(\\d+):(\\d+)\\)$`).exec(lines[1]);
  assert.ok(m, lines[1]);
  assert.equal(m[1], source);
  // the line it names holds the string the frame pointed at
  assert.match(fs.readFileSync(source, 'utf8').split('\n')[Number(m[2]) - 1], /internal error: /);
  assert.equal(lines[2], `    at ${source}:${m[2]}:${m[3]}`);
  // frames without a map beside their file, and the message, stay as they were
  assert.deepEqual([lines[0], lines[3], lines[4]], stack.split('\n').filter((_, i) => i === 0 || i >= 3));
});
