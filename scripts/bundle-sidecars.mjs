// Bundles each sidecar (the seed too: every sidecar starts the same way, image/lib/sidecar) into sidecars/<name>/bundle/ (one ESM entry plus lazily loaded chunks) for the
// image. One file set instead of a node_modules walk, and code split at every dynamic import, so what an idle
// sidecar never calls (the NATS client outside a fleet, execa) is never loaded: the bundled
// spamd-learn idles at ~48 MB resident instead of ~64 MB for the compiled dist/ tree (bench/spamd-learn).
// Usage: node scripts/bundle-sidecars.mjs [--out DIR] [name…] (DIR/<name>/main.js instead of sidecars/<name>/bundle/)
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const BUNDLED = [
  'seed',
  'dkim-keys',
  'acme-watch',
  'spamd-learn',
  'guard',
  'metrics',
  'sender-milter',
  'dmarc-reports',
  'arc-milter',
  'mta-sts',
];
const repo = fileURLToPath(new URL('..', import.meta.url));

// Modules the sidecars never use at run time, loaded lazily: pino's transports (thread-stream and worker threads; we
// log synchronously to stdout), the worker_threads builtin pino's tools read at load, and sonic-boom's assert (one
// sanity check). Each loaded module costs resident memory in every process (~0.9 MB together for the metrics sidecar).
// No dependency source is edited: these imports resolve to small stand-ins, which load the real module on first use.
const STAND_INS = [
  // pino.transport() and the transport option: the real module, initialised when first called.
  { from: /[\\/]pino[\\/](pino|lib[\\/]tools)\.js$/, request: /^\.\/(lib\/)?transport$/, stand: 'lazy-call' },
  // pino only asks whether it runs on the main thread, to flush an asynchronous destination at exit: the sidecars log
  // synchronously and start no worker threads (their logs are never built inside one).
  { from: /[\\/]pino[\\/]lib[\\/]tools\.js$/, request: /^worker_threads$/, stand: 'main-thread' },
  // sonic-boom calls assert() once, when closing.
  { from: /[\\/]sonic-boom[\\/]index\.js$/, request: /^assert$/, stand: 'lazy-assert' },
];

// `seen` collects the rules that applied.
const standIns = (seen) => ({
  name: 'stand-ins',
  setup(b) {
    b.onResolve({ filter: /^(\.\/(lib\/)?transport|worker_threads|assert)$/ }, async ({ path, importer, resolveDir, kind, pluginData }) => {
      const rule = pluginData === 'real' ? undefined : STAND_INS.find((r) => r.request.test(path) && r.from.test(importer));
      if (!rule) return undefined;
      seen.add(rule);
      if (rule.stand !== 'lazy-call') return { path: rule.stand, namespace: 'stand-in' };
      const real = await b.resolve(path, { importer, resolveDir, kind, pluginData: 'real' });
      return { path: real.path, namespace: 'stand-in', pluginData: 'lazy-call' };
    });
    // What the stand-ins require: the real transport file, or a builtin (left to node).
    b.onResolve({ filter: /.*/, namespace: 'stand-in' }, ({ path }) => (path.startsWith('node:') ? { path, external: true } : { path }));
    b.onLoad({ filter: /.*/, namespace: 'stand-in' }, ({ path, pluginData }) => {
      const contents =
        pluginData === 'lazy-call'
          ? `module.exports = (...a) => require(${JSON.stringify(path)})(...a);`
          : path === 'main-thread'
            ? 'module.exports = { isMainThread: true };'
            : "module.exports = (...a) => require('node:assert')(...a);";
      return { contents, loader: 'js', resolveDir: '/' };
    });
  },
});

// Bundles one sidecar into `outdir` (default sidecars/<name>/bundle); returns the entry file.
async function bundleSidecar(name, outdir = `${repo}sidecars/${name}/bundle`) {
  await rm(outdir, { recursive: true, force: true });
  const seen = new Set();
  await build({
    entryPoints: { main: `${repo}sidecars/${name}/src/main.ts` },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    conditions: ['source'],
    plugins: [standIns(seen)],
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
  // A dependency update that moves these imports would silently bring the memory back: fail the build instead.
  const missing = STAND_INS.filter((r) => !seen.has(r)).map((r) => `${r.request} from ${r.from}`);
  if (missing.length) throw new Error(`${name}: stand-ins not used, update STAND_INS for this version: ${missing.join('; ')}`);
  return `${outdir}/main.js`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--out');
  const out = at === -1 ? undefined : args.splice(at, 2)[1];
  for (const name of args.length ? args : BUNDLED)
    console.log(`bundled ${await bundleSidecar(name, out === undefined ? undefined : `${out}/${name}`)}`);
}
