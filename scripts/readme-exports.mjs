// Rewrites README.md's list of kernel exports (between the exports:begin and
// exports:end markers) from `ksw exports --markdown` (needs `npm run build`).
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const list = execFileSync(process.execPath, [join(root, 'dist/ksw.js'), 'exports', '--markdown'], { encoding: 'utf8' }).trimEnd();
const path = join(root, 'README.md');
const text = readFileSync(path, 'utf8');
const next = text.replace(/<!-- exports:begin -->[\s\S]*?<!-- exports:end -->/, `<!-- exports:begin -->\n${list}\n<!-- exports:end -->`);
writeFileSync(path, next);
console.log(next === text ? 'README.md: exports list already up to date' : 'README.md: exports list rewritten');
