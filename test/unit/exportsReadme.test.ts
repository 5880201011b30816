// README.md's list of kernel exports is the one the simulated kernel really
// has (`ksw exports --markdown`), so it cannot go stale.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { exportsMarkdown, kernelExports } from '../../simulator/cli/exports';

test('README lists exactly the kernel exports (npm run readme:exports rewrites it)', () => {
  const readme = readFileSync(resolve(__dirname, '../../../README.md'), 'utf8');
  const block = /<!-- exports:begin -->\n([\s\S]*?)\n<!-- exports:end -->/.exec(readme);
  assert.ok(block, 'README.md has the exports:begin/end markers');
  assert.equal(block[1], exportsMarkdown());
});

test('the export list has what a Kbuild module of Debian 6.1 needs', () => {
  const e = kernelExports();
  for (const f of ['__fentry__', '__x86_return_thunk', '__x86_indirect_thunk_rax', 'kmalloc_trace', '__list_add_valid', '_printk']) {
    assert.ok(e.functions.includes(f), f);
  }
  assert.ok(e.variables.includes('param_ops_int') && e.variables.includes('kmalloc_caches'));
  assert.ok(e.percpu.includes('current_task'));
  assert.ok(!e.functions.includes('ret_from_fork'), 'kernel internals are not exports');
});
