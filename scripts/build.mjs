// Build: transpile every TypeScript file to out/ (for tests and benchmarks),
// and bundle the entry points into dist/ (for the bin, the adapter and the
// extension). iced-x86 loads its wasm from __dirname, so the wasm file is
// copied next to the bundles.
import * as esbuild from 'esbuild';
import { readdirSync, readFileSync, statSync, copyFileSync, mkdirSync, existsSync, writeFileSync, renameSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDirs = ['simulator', 'adapter', 'extension', 'test', 'bench'];

function tsFiles(dir) {
  const result = [];
  if (!existsSync(dir)) return result;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) result.push(...tsFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) result.push(path);
  }
  return result;
}

const entryPoints = sourceDirs.flatMap((d) => tsFiles(join(root, d)));
await esbuild.build({
  entryPoints,
  outdir: join(root, 'out'),
  outbase: root,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: 'inline',
  logLevel: 'warning',
});

// The command-line bundles are loaded by every `ksw` start: whitespace and
// comments stripped and local names shortened, V8 reads, hashes and
// deserializes less (dist/ksw.js 719 -> 555 kB; a `ksw exec` of a
// hello-world touched ~250 fresh pages fewer, each a page fault). Messages
// read the same (no message is built from a function's name); a stack
// trace shows the short names, and the source maps map them back (KSW_DEBUG=1's
// stack of an internal error does: simulator/cli/sourceMappedStack.ts).
/** The file beside the ksw bundle that holds iced-x86 (icedApartNamespace). */
const ICED_APART = 'iced-x86';
const bundles = [
  // self-wrapped (simulator/cli/codeCache.ts SELF_WRAPPED_HEAD/TAIL): bin/ksw compiles its text as it is
  { in: 'simulator/cli/main.ts', out: 'ksw', compact: true, selfWrapped: true, icedApart: true },
  // what the ksw bundle requires on its first use of iced-x86 (icedApartNamespace)
  { in: 'node_modules/iced-x86/iced_x86.js', out: ICED_APART, compact: true, selfWrapped: true },
  // bin/ksw: loads dist/ksw.js through the V8 code cache (simulator/cli/codeCache.ts)
  { in: 'simulator/cli/launch.ts', out: 'launch', compact: true },
  // `ksw hunt`'s worker threads load this file from beside dist/ksw.js
  { in: 'simulator/cli/huntWorker.ts', out: 'huntWorker', compact: true },
  // benchmarks measure the bundled engine, as users run it (const enums inlined, no module getters)
  { in: 'bench/kstackwatch.ts', out: 'bench-kstackwatch' },
  { in: 'bench/sched.ts', out: 'bench-sched' },
];
if (existsSync(join(root, 'adapter/debugAdapter.ts'))) bundles.push({ in: 'adapter/debugAdapter.ts', out: 'adapter' });
if (existsSync(join(root, 'extension/extension.ts'))) bundles.push({ in: 'extension/extension.ts', out: 'extension' });

/**
 * iced-x86's module compiles and instantiates its wasm (780 kB) as it loads,
 * but the bundles import it for its enums too, and a `ksw` run whose blocks
 * all come from the block cache (simulator/cli/blockCache.ts) decodes
 * nothing: in the bundles, the wasm starts on the first call into it. Until
 * then `wasm` is a proxy whose first property read starts the real module
 * and puts its exports in `wasm`, so every later call goes straight there.
 *
 * Its enums are made on first use too: each is an object literal with a
 * property per name and per value (Code alone ~9,900), and a warm run
 * reads a few small ones; each `module.exports.X = Object.freeze({…});`
 * becomes a getter that builds the object on first read and puts it in
 * place as a plain property.
 */
const ICED_EAGER_START = `const wasmModule = new WebAssembly.Module(bytes);
const wasmInstance = new WebAssembly.Instance(wasmModule, imports);
wasm = wasmInstance.exports;
module.exports.__wasm = wasm;`;
const icedLazyWasm = {
  name: 'iced-lazy-wasm',
  setup(build) {
    build.onLoad({ filter: /iced-x86[\\/]iced_x86\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8').replace(/\r\n/g, '\n');
      const readWasm = "const path = require('path').join(__dirname, 'iced_x86_bg.wasm');\nconst bytes = require('fs').readFileSync(path);\n";
      const at = text.indexOf(readWasm);
      if (at < 0 || !text.includes(ICED_EAGER_START, at)) throw new Error(`${args.path}: iced-x86's wasm start-up is not what scripts/build.mjs expects (iced-x86 upgraded?)`);
      const lazy = `function startWasm() {
  ${readWasm.replace(/\n/g, '\n  ')}// (lazily, though ksw compiles its own wasm eagerly: simulator/cpu/wasmInstance.ts compileLazily)
  const wasmModule = (globalThis[Symbol.for('kstackwatch-studio.compileLazily')] ?? ((compile) => compile()))(() => new WebAssembly.Module(bytes));
  wasm = new WebAssembly.Instance(wasmModule, imports).exports;
  return wasm;
}
wasm = new Proxy({}, { get(_, name) { return startWasm()[name]; } });
Object.defineProperty(module.exports, '__wasm', { enumerable: true, get() { return wasm; } });`;
      const start = text.indexOf(ICED_EAGER_START, at);
      let enums = 0;
      const contents = (text.slice(0, at) + lazy + text.slice(start + ICED_EAGER_START.length))
        .replace(/^module\.exports\.(\w+) = (Object\.freeze\(\{[\s\S]*?\}\));$/gm, (_, name, value) => {
          enums++;
          const key = JSON.stringify(name);
          return `Object.defineProperty(module.exports, ${key}, { configurable: true, enumerable: true, get() { const v = ${value}; ` +
            `Object.defineProperty(module.exports, ${key}, { value: v, writable: true, enumerable: true }); return v; } });`;
        });
      if (enums < 20 || /^module\.exports\.\w+ = Object\.freeze/m.test(contents)) throw new Error(`${args.path}: iced-x86's enums are not what scripts/build.mjs expects (iced-x86 upgraded?)`);
      return { contents, loader: 'js' };
    });
  },
};

/**
 * esbuild turns `import * as fs from 'node:fs'` (and named imports of
 * iced-x86) into a fresh copy of the module's exports in every importing
 * file — one getter per export (its __toESM): about 50 files import
 * node:fs, node:path, node:os, node:vm or iced-x86, about 3,400 property
 * definitions at every start. Here those imports go through one small ES
 * module per package that re-exports it, so each is copied once.
 */
const SHARED_NAMESPACE = 'shared-namespace';
const sharedNamespaces = (opts) => ({
  name: 'shared-namespaces',
  setup(build) {
    build.onResolve({ filter: /^(node:[a-z_]+|iced-x86)$/ }, (args) => {
      // the re-export's own import, and require() calls (kept lazy where they are), resolve as usual
      if (args.namespace === SHARED_NAMESPACE || args.kind !== 'import-statement') return undefined;
      return { path: args.path, namespace: SHARED_NAMESPACE };
    });
    // (the ES re-export stays, so importers share one namespace object: a CommonJS module would be copied into each)
    build.onResolve({ filter: /^iced-x86-apart$/ }, (args) => ({ path: args.path, namespace: ICED_APART_NAMESPACE }));
    build.onLoad({ filter: /.*/, namespace: ICED_APART_NAMESPACE }, () => ({ contents: icedApartNamespace(), loader: 'js', resolveDir: root }));
    build.onLoad({ filter: /.*/, namespace: SHARED_NAMESPACE }, (args) =>
      ({ contents: `export * from ${JSON.stringify(args.path === 'iced-x86' && opts.icedApart ? 'iced-x86-apart' : args.path)};`, loader: 'js', resolveDir: root }));
  },
});
const ICED_APART_NAMESPACE = 'iced-apart';

/**
 * In the ksw bundle, iced-x86 (half the bundle's bytes: its JS glue, its
 * classes and the 9,900-name Code enum) lives apart, in dist/iced-x86.js,
 * required on the first read of one of its exports. A run whose blocks all
 * come from the block cache (simulator/cli/blockCache.ts) decodes nothing,
 * so bin/ksw reads, hashes and holds as a string ~480 kB less at every start;
 * a run that decodes loads it then (its wasm starts on first use all the
 * same: icedLazyWasm). The enums the bundle's own tables read as it loads
 * (module-level `new Set([Mnemonic.Shl, …])` and the like) stay in the bundle,
 * each made on its first read; test/unit/codeCache.test.ts runs bin/ksw
 * without dist/iced-x86.js on a program whose blocks are all in the cache,
 * so a new module-level read of another export fails there.
 */
const ICED_INLINE_ENUMS = ['Mnemonic', 'ConditionCode', 'Register', 'MemorySize'];
function icedApartNamespace() {
  const text = readFileSync(join(root, 'node_modules/iced-x86/iced_x86.js'), 'utf8').replace(/\r\n/g, '\n');
  const names = [...text.matchAll(/^module\.exports\.(\w+) = /gm)].map((m) => m[1]).filter((n) => !n.startsWith('__wbg'));
  const enums = new Map([...text.matchAll(/^module\.exports\.(\w+) = (Object\.freeze\(\{[\s\S]*?\}\));$/gm)].map((m) => [m[1], m[2]]));
  if (!names.includes('Decoder') || ICED_INLINE_ENUMS.some((n) => !enums.has(n))) {
    throw new Error("iced-x86's exports are not what scripts/build.mjs expects (iced-x86 upgraded?)");
  }
  const inline = ICED_INLINE_ENUMS.map((name) => {
    const key = JSON.stringify(name);
    return `Object.defineProperty(exports, ${key}, { configurable: true, enumerable: true, get() { const v = ${enums.get(name)}; ` +
      `Object.defineProperty(exports, ${key}, { value: v, writable: true, enumerable: true }); return v; } });`;
  });
  return `// iced-x86, from ${ICED_APART}.js beside this bundle on first use, but for a few enums (scripts/build.mjs)
let iced;
// (through bin/ksw's code cache when the launcher offers it: simulator/cli/codeCache.ts provideCachedRequire)
const load = () => (iced ??= (globalThis[Symbol.for('kstackwatch-studio.requireCached')] ?? require)(require('node:path').join(__dirname, ${JSON.stringify(ICED_APART + '.js')})));
for (const name of ${JSON.stringify(names.filter((n) => !ICED_INLINE_ENUMS.includes(n)))}) Object.defineProperty(exports, name, { enumerable: true, get: () => load()[name] });
${inline.join('\n')}
`;
}

/**
 * The ksw bundle is its own CommonJS wrapper, so that bin/ksw's launcher
 * compiles the file's text as it is (no copy of the megabyte to wrap it):
 * the same text as simulator/cli/codeCache.ts's SELF_WRAPPED_HEAD and
 * SELF_WRAPPED_TAIL (test/unit/codeCache.test.ts checks dist/ksw.js).
 */
const BUNDLE_ARGS = 'globalThis[Symbol.for("kstackwatch-studio.bundleArgs")]';
const SELF_WRAPPED_HEAD = '(function (exports, require, module, __filename, __dirname) {';
const SELF_WRAPPED_TAIL = `\n}).apply(...((a = ${BUNDLE_ARGS}) => (delete ${BUNDLE_ARGS}, a ? [a[2].exports, a] : [arguments[2].exports, arguments]))());`;

/**
 * In the ksw bundle, iced-x86's Mnemonic enum is a TypeScript const enum
 * made from its values, so esbuild puts each `Mnemonic.X` in as its number
 * and keeps no enum object: the emitters' tables read hundreds at load,
 * which built iced-x86's (3,788 properties) in every run, a warm one that
 * decodes nothing too — ~200 fresh pages of a `ksw exec` hello-world. A
 * file importing Mnemonic by name from iced-x86 imports it from that
 * module instead (`iced.Mnemonic` through a namespace import is left as
 * it is). esbuild's `define` cannot do it: it replaces global names only,
 * and Mnemonic is an imported one.
 */
const MNEMONIC_ENUM = 'ksw:mnemonic-enum';
const inlineMnemonics = {
  name: 'inline-mnemonics',
  setup(build) {
    build.onResolve({ filter: /^ksw:mnemonic-enum$/ }, () => ({ path: MNEMONIC_ENUM, namespace: MNEMONIC_ENUM }));
    build.onLoad({ filter: /.*/, namespace: MNEMONIC_ENUM }, () => {
      const text = readFileSync(join(root, 'node_modules/iced-x86/iced_x86.js'), 'utf8');
      const literal = /^module\.exports\.Mnemonic = Object\.freeze\((\{[\s\S]*?\})\);$/m.exec(text);
      if (literal === null) throw new Error("iced-x86's Mnemonic is not what scripts/build.mjs expects (iced-x86 upgraded?)");
      const values = new Function(`return ${literal[1]}`)();
      const members = Object.keys(values).filter((k) => typeof values[k] === 'number').map((k) => `${k} = ${values[k]}`);
      return { contents: `export const enum Mnemonic {\n${members.join(',\n')}\n}\n`, loader: 'ts' };
    });
    build.onLoad({ filter: /[\\/]simulator[\\/].*\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const named = /^import \{([^}]*)\} from 'iced-x86';$/m.exec(text);
      if (named === null || !named[1].split(',').some((n) => n.trim() === 'Mnemonic')) return undefined;
      const rest = named[1].split(',').map((n) => n.trim()).filter((n) => n !== '' && n !== 'Mnemonic');
      const imports = `${rest.length > 0 ? `import { ${rest.join(', ')} } from 'iced-x86'; ` : ''}import { Mnemonic } from '${MNEMONIC_ENUM}';`;
      return { contents: text.slice(0, named.index) + imports + text.slice(named.index + named[0].length), loader: 'ts' };
    });
  },
};

mkdirSync(join(root, 'dist'), { recursive: true });
for (const b of bundles) {
  const result = await esbuild.build({
    entryPoints: [join(root, b.in)],
    outfile: join(root, 'dist', b.out + '.js'),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    external: ['vscode'],
    sourcemap: true,
    minifyWhitespace: b.compact === true,
    minifyIdentifiers: b.compact === true,
    minifySyntax: b.compact === true,
    legalComments: b.compact ? 'none' : undefined,
    logLevel: 'warning',
    write: false,
    plugins: [...(b.icedApart ? [inlineMnemonics] : []), icedLazyWasm, sharedNamespaces({ icedApart: b.icedApart === true })],
    ...(b.selfWrapped ? { banner: { js: SELF_WRAPPED_HEAD }, footer: { js: SELF_WRAPPED_TAIL } } : {}),
  });
  // Write each output to a temporary name and rename it into place, so a
  // ksw started while another build runs never reads a half-written bundle.
  for (const f of result.outputFiles) {
    const tmp = `${f.path}.${process.pid}.tmp`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
  }
}
copyFileSync(join(root, 'node_modules/iced-x86/iced_x86_bg.wasm'), join(root, 'dist/iced_x86_bg.wasm'));
