// Modules in the shape of the kernel's own lib/test_*.c self-tests
// (test/kbuild/selftests: sort/bsearch/list_sort, string with FORTIFY_SOURCE
// and kasprintf/%p extensions, kstrtox, bitmap/find_bit), built by Kbuild
// against the distribution's headers and loaded unmodified: each links
// against the simulated kernel's exports and its own checks pass. The
// comparators sort() and list_sort() call are the module's own functions,
// called from the host implementation: a call trace inside one reads
// `cmp ← list_sort ← caller`, as in Linux.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { bootKo, kbuildFolder, kbuildSkip, REPO } from './harness';
import { run } from '../kstackwatch/harness';

const opts = { skip: kbuildSkip };
const ko = (name: string): string => join(kbuildFolder(join(REPO, 'test/kbuild/selftests')), `${name}.ko`);

const cases: [string, RegExp][] = [
  ['test_sort_like', /^test_sort_like: all tests passed$/],
  ['test_string_like', /^test_string_like: all 205 tests passed$/],
  ['test_kstrtox_like', /^test_kstrtox_like: all 21 tests passed$/],
  ['test_bitmap_like', /^test_bitmap_like: all 20 tests passed$/],
];

for (const [name, passed] of cases) {
  test(`Kbuild self-test ${name} loads unmodified and passes its own checks`, opts, () => {
    const r = run(bootKo(ko(name)), []);
    assert.ok(r.logs.some((l) => passed.test(l)), r.logs.join('\n'));
    assert.ok(!r.logs.some((l) => /failed|ERROR/.test(l)), r.logs.join('\n'));
    assert.equal(r.stop.kind, 'idle');
  });
}

test('list_sort calls the module\'s comparator with the module\'s frames below it, and sorts stably', opts, () => {
  const r = run(bootKo(ko('test_sort_like'), { trace: 'Y' }), []);
  const trace = r.logs.slice(r.logs.indexOf('Call Trace:'));
  assert.match(trace[2] ?? '', /^ dump_stack\+/);
  assert.match(trace[3] ?? '', /^ cmp_el(\.cold)?\+0x[0-9a-f]+\/0x[0-9a-f]+ \(.*test_sort_like\.c:\d+\)$/);
  assert.match(trace[4] ?? '', /^ list_sort\+0x0\//);
  assert.match(trace[5] ?? '', /^ init_module\+0x[0-9a-f]+\/0x[0-9a-f]+ \(.*test_sort_like\.c:\d+\)$/);
  assert.ok(r.logs.includes('test_sort_like: all tests passed'), r.logs.join('\n'));
});

test('the same seed gives the same comparisons (list_sort on random values)', opts, () => {
  const count = (seed: number): string | undefined => run(bootKo(ko('test_sort_like'), {}, seed), []).logs.find((l) => l.includes('comparisons'));
  assert.equal(count(7), count(7));
  assert.match(count(7) ?? '', /^test_sort_like: list_sort: \d+ comparisons$/);
});
