// kernelHzFor: the CONFIG_HZ of the headers a .ko names in its vermagic
// ($KDIR when it is that release), or a one-line reason.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernelHzFor } from '../../simulator/system/kernelHz';

function fakeKdir(release: string, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ksw-hz-'));
  mkdirSync(join(dir, 'include/config'), { recursive: true });
  mkdirSync(join(dir, 'include/generated'), { recursive: true });
  writeFileSync(join(dir, 'include/config/kernel.release'), `${release}\n`);
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}

test('kernelHzFor reads CONFIG_HZ from autoconf.h of $KDIR when KDIR is the release vermagic names', () => {
  const dir = fakeKdir('9.9.9-test', { 'include/generated/autoconf.h': '#define CONFIG_HZ_300 1\n#define CONFIG_HZ 300\n' });
  try {
    assert.deepEqual(kernelHzFor('9.9.9-test SMP preempt mod_unload', { KDIR: dir }),
      { hz: 300, from: join(dir, 'include/generated/autoconf.h') });
    // another release: KDIR is not its headers
    const r = kernelHzFor('9.9.8-test SMP', { KDIR: dir });
    assert.ok('error' in r && r.error.includes('no headers of kernel 9.9.8-test found'), JSON.stringify(r));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('kernelHzFor falls back to .config, and explains a missing vermagic', () => {
  const dir = fakeKdir('9.9.7-test', { '.config': 'CONFIG_HZ_100=y\nCONFIG_HZ=100\n' });
  try {
    assert.equal((kernelHzFor('9.9.7-test', { KDIR: dir }) as { hz: number }).hz, 100);
  } finally { rmSync(dir, { recursive: true, force: true }); }
  assert.deepEqual(kernelHzFor(undefined, {}), { error: 'the module has no vermagic naming its kernel release' });
  assert.ok('error' in kernelHzFor('../../etc SMP', {}));
});
