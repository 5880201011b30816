// Debugging a Kbuild module folder over DAP, as F5 in such a folder does:
// `program` is the folder (or a .ko inside it, built or not yet), the
// adapter builds it with Kbuild against the distribution's kernel headers,
// says so in the debug console, and debugs the unmodified .ko — a source
// breakpoint on the real .c file binds and stops there, a stack watch
// catches the canary overflow at the overflowing store's line. A build that
// fails or headers that are not there fail the launch with one clear reason.

import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { skipUnless } from '../tools';
import { launch, lineOf, nextStop, ROOT, SKIP, startClient, stopClient } from './harness';

const skip = SKIP || skipUnless('kernel-headers', 'make');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-adapter-kbuild-'));
/** A copy of examples/kstackwatch-kbuild (symlinks resolved), so the build leaves the repository clean. */
const FOLDER = path.join(tmp, 'kstackwatch-kbuild');
const SOURCE = path.join(FOLDER, 'kstackwatch_test.c');
fs.cpSync(path.join(ROOT, 'examples/kstackwatch-kbuild'), FOLDER, { recursive: true, dereference: true });

/** A Kbuild build takes seconds alone and much longer on a shared, loaded machine. */
const BUILD_TIMEOUT = 180_000;

async function startBuildingClient(): Promise<DebugClient> {
  const dc = await startClient();
  dc.defaultTimeout = BUILD_TIMEOUT;
  return dc;
}

/** The console output of a session (the build log is sent there). */
function consoleText(dc: DebugClient): () => string {
  const chunks: string[] = [];
  dc.on('output', (e: DebugProtocol.OutputEvent) => { chunks.push(e.body.output); });
  return () => chunks.join('');
}

describe('F5 on a Kbuild folder', { skip, timeout: 4 * BUILD_TIMEOUT }, () => {
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe('program: the folder, test=1 with a canary watch and a breakpoint on the real source', () => {
    let dc: DebugClient;
    let output: () => string;
    let bound: DebugProtocol.SetBreakpointsResponse;
    // the pr_info of test_canary_overflow (test_watch_fire has the same one earlier)
    const entryLine = lineOf(SOURCE, '__asm__ ("" : "+r" (p));') - 2;
    const storeLine = lineOf(SOURCE, 'WRITE_ONCE(p[i], 0xdeadbeefULL);');
    before(async () => {
      dc = await startBuildingClient();
      output = consoleText(dc);
    });
    after(async () => { await stopClient(dc); });

    test('the folder is built with Kbuild and the breakpoint binds on the .c file', async () => {
      const stopped = nextStop(dc);
      const response = await launch(dc, { program: FOLDER, params: { test: 1 }, stackWatch: 'fn=test_canary_overflow' }, async () => {
        bound = await dc.setBreakpointsRequest({ source: { path: SOURCE }, breakpoints: [{ line: entryLine }] });
      });
      assert.equal(response.success, true);
      assert.equal(bound.body.breakpoints[0].verified, true);
      assert.equal(bound.body.breakpoints[0].line, entryLine);
      const { event, frames } = await stopped;
      assert.equal(event.body.reason, 'breakpoint');
      assert.match(frames[0].name, /^test_canary_overflow\+0x[0-9a-f]+$/);
      assert.equal(frames[0].source?.path, SOURCE);
      assert.equal(frames[0].line, entryLine);
      assert.ok(fs.existsSync(path.join(FOLDER, 'kstackwatch_test.ko')), 'the .ko is built in the folder, as Kbuild does');
      const log = output();
      assert.match(log, /CC \[M\]\s+\S*kstackwatch_test\.o/);
      assert.match(log, /ksw: kernel headers: \S+/);
      assert.match(log, /ksw: built \S*kstackwatch_test\.ko; debugging kstackwatch_test\.ko/);
    });

    test('continuing, the stack watch stops on the overflowing store of the real source', async () => {
      const stopped = nextStop(dc);
      await dc.continueRequest({ threadId: 0 });
      const { event, frames } = await stopped;
      assert.equal(event.body.reason, 'data breakpoint');
      assert.match(event.body.description ?? '', /wrote into the frame of test_canary_overflow .* at kstackwatch_test\.c:\d+$/);
      assert.match(frames[0].name, /^test_canary_overflow\+0x[0-9a-f]+$/);
      assert.equal(frames[0].source?.path, SOURCE);
      assert.equal(frames[0].line, storeLine);
    });
  });

  test('program: a .ko of the folder (rebuilt first) runs with its module parameters', async () => {
    const dc = await startBuildingClient();
    try {
      const output = consoleText(dc);
      const terminated = dc.waitForEvent('terminated');
      await launch(dc, { program: path.join(FOLDER, 'kstackwatch_test.ko'), params: { test: 0 } });
      await terminated;
      assert.match(output(), /ksw: kernel headers: /);
      assert.match(output(), /entry of test_watch_fire/);
    } finally {
      await stopClient(dc);
    }
  });

  const broken = path.join(tmp, 'broken');
  fs.mkdirSync(broken);
  fs.writeFileSync(path.join(broken, 'Kbuild'), 'obj-m += broken.o\n');
  fs.writeFileSync(path.join(broken, 'broken.c'), '#include <linux/module.h>\nstatic int __init b_init(void) { return 0 }\nmodule_init(b_init);\nMODULE_LICENSE("GPL");\n');
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['a module that does not compile, with the compiler\'s error', { program: broken }, /^Kbuild failed: [\s\S]*broken\.c:2:\d+: error: expected .;./],
    ['kernel headers that are not a build directory', { program: FOLDER, kernelHeaders: tmp }, /is not a kernel build directory \(no Makefile\)/],
    ['a folder that is not a Kbuild folder', { program: tmp }, /is a directory without a Makefile or Kbuild naming obj-m/],
  ];
  for (const [what, args, expected] of cases) {
    test(`${what} fails the launch with one clear reason`, async () => {
      const dc = await startBuildingClient();
      try {
        await dc.initializeRequest();
        const message = await dc.launchRequest(args as never).then(() => assert.fail('the launch succeeded'), (e: Error) => e.message);
        assert.match(message, expected);
        assert.doesNotMatch(message, /\n\s+at /, 'no JS stack');
      } finally {
        await stopClient(dc);
      }
    });
  }
});
