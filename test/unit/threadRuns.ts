// Running a threaded guest under `ksw exec` and natively, for the thread
// tests (threads.test.ts on one CPU, smp.test.ts on several).

import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { have } from '../tools';

const BIN = join(resolve(__dirname, '../../..'), 'bin/ksw');

export interface Run { status: number | null; stdout: string; stderr: string }

/** `ksw exec ARGS…` through the built bin. */
export function ksw(args: string[]): Run {
  const r = spawnSync(process.execPath, [BIN, 'exec', ...args], { encoding: 'utf8', input: '', timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function native(bin: string): Run {
  const r = spawnSync(bin, [], { encoding: 'utf8', input: '', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Whether gcc can link a static program with glibc's pthreads here. */
export const glibcStatic = have('gcc') && spawnSync('gcc', ['-static', '-pthread', '-x', 'c', '-o', '/dev/null', '-'], {
  input: '#include <pthread.h>\nint main(void){pthread_t t; return pthread_create(&t,0,0,0)*0;}', encoding: 'utf8',
}).status === 0;
export const NO_GLIBC_STATIC = 'gcc -static -pthread not available';
