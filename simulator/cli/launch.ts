// What bin/ksw runs (bundled to dist/launch.js, a few kB): loads the ksw
// bundle beside it through the V8 code cache (codeCache.ts), one cache
// entry per command, since each compiles a different part of the bundle;
// likewise iced-x86's file, which the bundle requires on first use.

import * as path from 'node:path';
import { provideCachedRequire, runBundleWithCodeCache } from './codeCache';
import { tuneV8 } from './v8Tuning';

tuneV8(); // first: the code cache is checked against V8's flags
provideCachedRequire(process.argv[2] ?? ''); // (dist/iced-x86.js, when a run decodes)
runBundleWithCodeCache(path.join(__dirname, 'ksw.js'), { slot: process.argv[2] ?? '' });
