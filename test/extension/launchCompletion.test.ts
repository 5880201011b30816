// stackWatch completion in launch.json: where the cursor is a stackWatch
// value (a string, or an element of the array), and which program it is for.

import './vscodeStub';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { stackWatchContext } from '../../extension/launchCompletion';

const head = '{\n  "configurations": [\n    { "type": "kstackwatch", "request": "launch", "name": "a", "program": "${workspaceFolder}/mod.c",\n';

test('a stackWatch string value, with the configuration\'s program', () => {
  assert.deepEqual(stackWatchContext(`${head}      "stackWatch": "fn=vi`), { typed: 'fn=vi', program: '${workspaceFolder}/mod.c' });
  assert.deepEqual(stackWatchContext(`${head}      "stackWatch": ["fn=a", "`), { typed: '', program: '${workspaceFolder}/mod.c' });
  assert.deepEqual(stackWatchContext(`${head}      "stackWatch": [\n        "fn=a",\n        "fn=`), { typed: 'fn=', program: '${workspaceFolder}/mod.c' });
});

test('not a stackWatch value: keys, other attributes, closed strings', () => {
  assert.equal(stackWatchContext(`${head}      "stackW`), undefined);
  assert.equal(stackWatchContext(`${head}      "name": "fn=`), undefined);
  assert.equal(stackWatchContext(`${head}      "stackWatch": "fn=a", "seed": 3`), undefined);
  // the program of an earlier configuration does not count
  assert.deepEqual(stackWatchContext(`${head}    },\n    { "type": "kstackwatch", "stackWatch": "`), { typed: '' });
});
