// Bundles each long-running sidecar into sidecars/<name>/bundle/ (one ESM entry plus lazily loaded chunks) for the
// image. One file set instead of a node_modules walk, and code split at every dynamic import, so what an idle
// sidecar never calls (the NATS client outside a fleet, execa, write-file-atomic) is never loaded: the bundled
// spamd-learn idles at ~56 MB resident instead of ~64 MB for the compiled dist/ tree (bench/spamd-learn).
// Usage: node scripts/bundle-sidecars.mjs [name…]
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const LONG_RUNNING = ['dkim-keys', 'acme-watch', 'spamd-learn'];
const repo = fileURLToPath(new URL('..', import.meta.url));

// Bundles one sidecar into `outdir` (default sidecars/<name>/bundle); returns the entry file.
export async function bundleSidecar(name, outdir = `${repo}sidecars/${name}/bundle`) {
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
    // CommonJS dependencies call require() for node builtins (pino) and read __filename (write-file-atomic).
    banner: {
      js: [
        "import { createRequire as __mtaCreateRequire } from 'node:module';",
        "import { fileURLToPath as __mtaFileURLToPath } from 'node:url';",
        'const require = __mtaCreateRequire(import.meta.url);',
        'const __filename = __mtaFileURLToPath(import.meta.url);',
        "const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));",
      ].join(' '),
    },
    legalComments: 'none',
    logLevel: 'warning',
  });
  return `${outdir}/main.js`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const names = process.argv.slice(2);
  for (const name of names.length ? names : LONG_RUNNING) console.log(`bundled ${await bundleSidecar(name)}`);
}
