// Bundles each long-running sidecar into sidecars/<name>/bundle/ (one ESM entry plus lazily loaded chunks) for the
// image. One file set instead of a node_modules walk, and code split at every dynamic import, so what an idle
// sidecar never calls (the NATS client outside a fleet, execa) is never loaded: the bundled
// spamd-learn idles at ~48 MB resident instead of ~64 MB for the compiled dist/ tree (bench/spamd-learn).
// Usage: node scripts/bundle-sidecars.mjs [--out DIR] [name…] (DIR/<name>/main.js instead of sidecars/<name>/bundle/)
import { readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const LONG_RUNNING = ['dkim-keys', 'acme-watch', 'spamd-learn', 'guard', 'metrics', 'sender-milter'];
const repo = fileURLToPath(new URL('..', import.meta.url));

// Requires that load node builtins the sidecars never use at run time, made lazy: pino's transports (worker
// threads; we log synchronously to stdout) and sonic-boom's assert (one sanity check). Each builtin costs resident
// memory in every process. A pattern that no longer matches fails the build, so a dependency update is noticed.
const LAZY_REQUIRES = {
  'pino/pino.js': [
    [
      "module.exports.transport = require('./lib/transport')",
      "Object.defineProperty(module.exports, 'transport', { enumerable: true, get: () => require('./lib/transport') })",
    ],
  ],
  'pino/lib/tools.js': [
    ["const { isMainThread } = require('worker_threads')", ''],
    ['&& isMainThread', "&& require('worker_threads').isMainThread"],
    ["const transport = require('./transport')", "const transport = (...a) => require('./transport')(...a)"],
  ],
  'sonic-boom/index.js': [["const assert = require('assert')", "const assert = (...a) => require('assert')(...a)"]],
};

const lazyRequires = {
  name: 'lazy-requires',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/](pino|sonic-boom)[\\/].*\.js$/ }, async ({ path }) => {
      const file = Object.keys(LAZY_REQUIRES).find((f) => path.endsWith(`/node_modules/${f}`));
      if (!file) return undefined;
      let src = await readFile(path, 'utf8');
      for (const [from, to] of LAZY_REQUIRES[file]) {
        if (!src.includes(from)) throw new Error(`${file}: expected \`${from}\`; update LAZY_REQUIRES for this version`);
        src = src.replace(from, to);
      }
      return { contents: src, loader: 'js' };
    });
  },
};

// Bundles one sidecar into `outdir` (default sidecars/<name>/bundle); returns the entry file.
async function bundleSidecar(name, outdir = `${repo}sidecars/${name}/bundle`) {
  await rm(outdir, { recursive: true, force: true });
  await build({
    entryPoints: { main: `${repo}sidecars/${name}/src/main.ts` },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    conditions: ['source'],
    plugins: [lazyRequires],
    // CommonJS dependencies (pino) require() node builtins only: process.getBuiltinModule serves them without loading
    // node:module (and its source-map support), ~0.6 MB resident in every sidecar.
    banner: {
      js: [
        "const require = (id) => process.getBuiltinModule(id) ?? (() => { throw new Error('bundle: ' + id + ' is not a node builtin'); })();",
        'const __filename = import.meta.filename;',
        'const __dirname = import.meta.dirname;',
      ].join(' '),
    },
    legalComments: 'none',
    // Less source text held by V8 for every loaded chunk; names stay, so stack traces still read.
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
  });
  return `${outdir}/main.js`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--out');
  const out = at === -1 ? undefined : args.splice(at, 2)[1];
  for (const name of args.length ? args : LONG_RUNNING)
    console.log(`bundled ${await bundleSidecar(name, out === undefined ? undefined : `${out}/${name}`)}`);
}
