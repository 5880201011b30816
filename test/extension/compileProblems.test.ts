// A .c program that does not compile: gcc's diagnostics (from the real
// compiler, through `ksw cc`) become Problems entries on their lines.

import './vscodeStub';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseGccDiagnostics } from '../../extension/compileProblems';
import { skipUnless } from '../tools';

const ROOT = path.resolve(__dirname, '../../..');

test('gcc errors and warnings of ksw cc, with file, line and column', { skip: skipUnless('gcc') }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-cc-diag-'));
  try {
    const src = path.join(dir, 'broken.c');
    fs.writeFileSync(src, '#include <linux/module.h>\n\nstatic int broken_init(void)\n{\n\tint unused;\n\treturn undeclared_thing;\n}\nmodule_init(broken_init);\nMODULE_LICENSE("GPL");\n');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/ksw'), 'cc', 'broken.c', '-o', path.join(dir, 'broken.o'), '-Wall', '-fdiagnostics-column-unit=byte'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 2);
    const found = parseGccDiagnostics(r.stderr, dir);
    const error = found.find((d) => d.severity === 'error');
    assert.ok(error, r.stderr);
    assert.deepEqual({ file: error.file, line: error.line, column: error.column }, { file: src, line: 6, column: 9 });
    assert.match(error.message, /.undeclared_thing. undeclared/);
    assert.ok(found.some((d) => d.severity === 'warning' && d.line === 5 && /unused variable/.test(d.message)));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('fatal errors count as errors; lines that are not diagnostics are skipped', () => {
  const d = parseGccDiagnostics('In file included from x.c:1:\n/abs/y.h:3: fatal error: z.h: No such file or directory\ncompilation terminated.\n', '/w');
  assert.deepEqual(d, [{ file: '/abs/y.h', line: 3, column: 0, severity: 'error', message: 'z.h: No such file or directory' }]);
});
