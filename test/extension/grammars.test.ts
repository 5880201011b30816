// The TextMate grammars, tokenized by the engine VS Code uses
// (vscode-textmate with the Oniguruma wasm), on .ksw lines and on the
// kernel log as `ksw run` prints it.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';

const ROOT = path.resolve(__dirname, '../../..');

let registry: textmate.Registry | undefined;
async function grammar(scope: string): Promise<textmate.IGrammar> {
  if (!registry) {
    const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    const files: Record<string, string> = { 'source.ksw': 'ksw.tmLanguage.json', 'text.log.kstackwatch': 'kstackwatch-log.tmLanguage.json' };
    registry = new textmate.Registry({
      onigLib: Promise.resolve({ createOnigScanner: (p: string[]) => new oniguruma.OnigScanner(p), createOnigString: (s: string) => new oniguruma.OnigString(s) }),
      loadGrammar: async (name) => {
        const file = files[name];
        if (!file) return null;
        return textmate.parseRawGrammar(fs.readFileSync(path.join(ROOT, 'syntaxes', file), 'utf8'), file);
      },
    });
  }
  const g = await registry.loadGrammar(scope);
  assert.ok(g, scope);
  return g;
}

/** [text, innermost scope] of each token of one line. */
async function tokens(scope: string, line: string): Promise<[string, string][]> {
  const g = await grammar(scope);
  const r = g.tokenizeLine(line, textmate.INITIAL);
  return r.tokens.map((t) => [line.slice(t.startIndex, t.endIndex), t.scopes[t.scopes.length - 1]]);
}

function scopeOf(toks: [string, string][], text: string): string | undefined {
  return toks.find(([t]) => t === text)?.[1];
}

test('.ksw: keys, values, numbers and comments', async () => {
  const t = await tokens('source.ksw', 'fn=test_mthread_victim fo=0x4c so=64 wl=010 var=buf[4] # the victim');
  assert.equal(scopeOf(t, 'fn'), 'keyword.other.key.ksw');
  assert.equal(scopeOf(t, '='), 'keyword.operator.assignment.ksw');
  assert.equal(scopeOf(t, 'test_mthread_victim'), 'entity.name.function.ksw');
  assert.equal(scopeOf(t, '0x4c'), 'constant.numeric.hex.ksw');
  assert.equal(scopeOf(t, '64'), 'constant.numeric.decimal.ksw');
  assert.equal(scopeOf(t, '010'), 'constant.numeric.octal.ksw');
  assert.equal(scopeOf(t, 'buf'), 'variable.other.local.ksw');
  assert.equal(scopeOf(t, '4'), 'constant.numeric.decimal.ksw');
  assert.equal(scopeOf(t, ' the victim'), 'comment.line.number-sign.ksw');
});

test('.ksw: long key names, unknown keys and bad values are marked', async () => {
  const t = await tokens('source.ksw', 'func_name=victim watch_len=8x wlen=8');
  assert.equal(scopeOf(t, 'func_name'), 'keyword.other.key.ksw');
  assert.equal(scopeOf(t, 'watch_len'), 'keyword.other.key.ksw');
  assert.equal(scopeOf(t, 'x'), 'invalid.illegal.value.ksw');
  assert.equal(scopeOf(t, 'wlen'), 'invalid.illegal.unknown-key.ksw');
});

test('log: timestamps, the report banner, the store line with symbol and file:line', async () => {
  const banner = await tokens('text.log.kstackwatch', '[    0.000000] kstackwatch: ========== KStackWatch: Caught stack corruption =======');
  assert.equal(scopeOf(banner, '0.000000'), 'constant.numeric.timestamp.kstackwatch-log');
  assert.equal(scopeOf(banner, 'kstackwatch'), 'entity.name.tag.subsystem.kstackwatch-log');
  assert.equal(scopeOf(banner, '========== KStackWatch: Caught stack corruption ======='), 'markup.heading.report.kstackwatch-log');
  const store = await tokens('text.log.kstackwatch', '[    0.000000] kstackwatch: store test_canary_overflow+0x49/0x87 at 0xffffffffa00000e9 kstackwatch_test.c:72 wrote 0xdeadbeef over 0xfc2fb9b62994c100');
  assert.equal(scopeOf(store, 'test_canary_overflow'), 'entity.name.function.kstackwatch-log');
  assert.equal(scopeOf(store, '0x49'), 'constant.numeric.hex.offset.kstackwatch-log');
  assert.equal(scopeOf(store, 'kstackwatch_test.c'), 'markup.underline.link.file.kstackwatch-log');
  assert.equal(scopeOf(store, '72'), 'constant.numeric.line.kstackwatch-log');
  assert.equal(scopeOf(store, '0xdeadbeef'), 'constant.numeric.hex.kstackwatch-log');
});

test('log: oopses, panics and call traces', async () => {
  const bug = await tokens('text.log.kstackwatch', '[    0.100000] BUG: page fault: execute at 0xabcdabcd (not mapped)');
  assert.equal(scopeOf(bug, 'BUG:'), 'invalid.illegal.error.kstackwatch-log');
  assert.equal(scopeOf(bug, '0xabcdabcd'), 'constant.numeric.hex.kstackwatch-log');
  const panic = await tokens('text.log.kstackwatch', '[    0.000000] Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: test_canary_overflow+0x87/0x87');
  assert.equal(scopeOf(panic, 'Kernel panic - not syncing:'), 'invalid.illegal.error.kstackwatch-log');
  assert.equal(scopeOf(panic, 'test_canary_overflow'), 'entity.name.function.kstackwatch-log');
  const trace = await tokens('text.log.kstackwatch', '[    0.000000] Call Trace:');
  assert.equal(scopeOf(trace, 'Call Trace:'), 'keyword.other.calltrace.kstackwatch-log');
  const task = await tokens('text.log.kstackwatch', '[    0.000000]  <TASK>');
  assert.equal(scopeOf(task, '<TASK>'), 'keyword.control.stack-boundary.kstackwatch-log');
  const frame = await tokens('text.log.kstackwatch', '[    0.100000]  test_mthread_buggy+0xc7/0x110 (/work/x/kstackwatch_test.c:124)');
  assert.equal(scopeOf(frame, '/work/x/kstackwatch_test.c'), 'markup.underline.link.file.kstackwatch-log');
});

test("every line of a real run's log tokenizes, and the failures stand out", async () => {
  const g = await grammar('text.log.kstackwatch');
  const log = [
    '[    0.000000] kstackwatch: start watching: fn=test_canary_overflow',
    '[    0.000000] CPU: 1 UID: 0 PID: 1 Comm: insmod Not tainted 6.17.0-ksw #1',
    '[    0.000000] kstackwatch: victim test_canary_overflow depth 0 pid 1 (insmod) canary 0xffffc90000004bd8 len 8',
    '[    0.000000] kstackwatch: =================== KStackWatch End ===================',
    '[  120.000204] INFO: hung tasks: blocked for more than 120 seconds (1)',
  ];
  let state = textmate.INITIAL;
  for (const line of log) {
    const r = g.tokenizeLine(line, state);
    state = r.ruleStack;
    assert.equal(r.tokens[r.tokens.length - 1].endIndex >= line.length, true, line);
  }
  const info = await tokens('text.log.kstackwatch', log[4]);
  assert.equal(scopeOf(info, 'INFO: hung tasks:'), 'markup.changed.warning.kstackwatch-log');
});
