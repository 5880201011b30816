// What bin/ksw runs (bundled to dist/launch.js, a few kB): loads the ksw
// bundle beside it through the V8 code cache (codeCache.ts), one cache
// entry per command, since each compiles a different part of the bundle.

import * as path from 'node:path';
import { runBundleWithCodeCache } from './codeCache';
import { tuneV8 } from './v8Tuning';

tuneV8(); // first: the code cache is checked against V8's flags
runBundleWithCodeCache(path.join(__dirname, 'ksw.js'), { slot: process.argv[2] ?? '' });
