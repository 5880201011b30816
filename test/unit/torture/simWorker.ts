// A worker thread of the torture test: runs each program it is sent under
// the simulator in this process (a `ksw exec` per program would spend most of
// its time starting Node) and answers with its exit status and output.

import * as fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { ElfFile } from '../../../simulator/elf/elfFile';
import { UserProcess } from '../../../simulator/user/process';

export interface SimRequest { binary: string }
export interface SimAnswer { binary: string; status: number; stdout: string; stderr: string; error?: string }

/** Far more than any torture test needs natively (the largest retire a few hundred million). */
const MAX_INSTRUCTIONS = 2_000_000_000;

parentPort!.on('message', ({ binary }: SimRequest) => {
  const out: Buffer[] = [], err: Buffer[] = [];
  let answer: SimAnswer;
  try {
    const proc = new UserProcess(ElfFile.parse(fs.readFileSync(binary)), [binary], binary, {
      stdout: (b) => { out.push(Buffer.from(b)); },
      stderr: (b) => { err.push(Buffer.from(b)); },
      stdin: () => 0,
      maxInstructions: MAX_INSTRUCTIONS,
    });
    const r = proc.run();
    answer = { binary, status: r.exitCode, stdout: Buffer.concat(out).toString('latin1'), stderr: Buffer.concat(err).toString('latin1') };
  } catch (e) {
    const error = e instanceof Error ? `${e.name}: ${e.message.split('\n')[0]}` : String(e);
    answer = { binary, status: -1, stdout: Buffer.concat(out).toString('latin1'), stderr: '', error };
  }
  parentPort!.postMessage(answer);
});
