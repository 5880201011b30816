// Bad launch arguments fail the launch request with a message that says
// what is wrong — never a hang: a missing program, a compile error (with
// gcc's own diagnostics), unresolved symbols, an invalid stack-watch config
// (naming the token), unknown or bad module parameters, bad numbers.

import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { DEBUGGEE, SCENARIOS, SKIP, startClient, stopClient } from './harness';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-adapter-launch-'));
const BROKEN = path.join(tmp, 'broken.c');
const UNRESOLVED = path.join(tmp, 'unresolved.c');
fs.writeFileSync(BROKEN, '#include <linux/module.h>\nstatic int __init b_init(void) { return 0 }\nmodule_init(b_init);\n');
fs.writeFileSync(UNRESOLVED, [
  '#include <linux/module.h>',
  'extern void no_such_kernel_function(void);',
  'static int __init u_init(void) { no_such_kernel_function(); return 0; }',
  'module_init(u_init);',
  'MODULE_LICENSE("GPL");',
].join('\n'));

/** Launch with `args`; the launch must fail; returns its message. */
async function launchError(dc: DebugClient, args: Record<string, unknown>): Promise<string> {
  await dc.initializeRequest();
  try {
    await dc.launchRequest(args as never);
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail('the launch succeeded');
}

describe('launch errors', { skip: SKIP }, () => {
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['no program', {}, /'program' is required/],
    ['a program that does not exist', { program: path.join(tmp, 'nothing.o') }, /nothing\.o does not exist/],
    ['a compile error, with the compiler\'s diagnostics', { program: BROKEN }, /compiling .*broken\.c failed:[\s\S]*broken\.c:2:\d+: error: expected .;./],
    ['unresolved symbols', { program: UNRESOLVED }, /unresolved\.c: .*no_such_kernel_function/],
    ['an invalid stack watch config names the token', { program: SCENARIOS, stackWatch: 'fn=test_mthread_victim wl=3' }, /stackWatch 'fn=test_mthread_victim wl=3': wl=3: a watch length must be 1, 2, 4 or 8/],
    ['an unknown function in a stack watch', { program: SCENARIOS, stackWatch: ['fn=test_mthread_victim', 'fn=nosuch'] }, /stackWatch\[1\] 'fn=nosuch': unknown function 'nosuch'/],
    ['a stack watch object without a function', { program: SCENARIOS, stackWatch: [{ depth: 2 }] }, /stackWatch\[0\]: 'function' is required/],
    ['an unknown module parameter', { program: DEBUGGEE, params: { nope: 1 } }, /unknown module parameter 'nope' \(known: mode\)/],
    ['a bad parameter value', { program: DEBUGGEE, params: { mode: 'lots' } }, /parameter mode: 'lots' is not a number/],
    ['a bad CPU count', { program: DEBUGGEE, cpus: 0 }, /'cpus' must be between 1 and 64 \(got 0\)/],
    ['a bad seed', { program: DEBUGGEE, seed: 'x' }, /'seed' must be an integer/],
    ['a checkpoint interval too short', { program: DEBUGGEE, checkpointInterval: 10 }, /'checkpointInterval' must be between 10000 and \d+ \(got 10\)/],
    ['a bad checkpoint budget', { program: DEBUGGEE, checkpointMemory: '1GB' }, /'checkpointMemory' must be an integer \(got "1GB"\)/],
  ];

  for (const [what, args, expected] of cases) {
    test(`${what} fails the launch with a clear message`, async () => {
      const dc = await startClient();
      try {
        const message = await launchError(dc, args);
        assert.match(message, expected);
      } finally {
        await stopClient(dc);
      }
    });
  }
});

describe('launch', { skip: SKIP }, () => {
  let dc: DebugClient;
  before(async () => { dc = await startClient(); });
  after(async () => { await stopClient(dc); });

  test('a program that is not a file the loader takes is refused with the reason', async () => {
    // an existing file: text, and an ELF header cut short (own folder: 'launch errors' removes tmp)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-adapter-notelf-'));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const text = path.join(dir, 'notes.txt');
    fs.writeFileSync(text, 'not a program\n');
    assert.equal(await launchError(dc, { program: text }), `program ${text} is not a usable x86-64 ELF file: not an ELF file`);
    const cut = path.join(dir, 'cut.o');
    fs.writeFileSync(cut, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0x3e, 0]));
    assert.match(await launchError(dc, { program: cut }), /^program \S+cut\.o is not a usable x86-64 ELF file: truncated ELF/);
  });

  test('a program that does not exist is refused with the reason', async () => {
    const message = await launchError(dc, { program: BROKEN.replace(/\.c$/, '.txt') });
    assert.match(message, /does not exist/);
  });
});
