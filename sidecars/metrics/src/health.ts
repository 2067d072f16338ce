export interface Readiness {
  ok: boolean;
  text: string;
}

// /readyz runs the image's HEALTHCHECK (the same probes: postfix 220, amavis, clamd, dovecot auth) and caches the
// answer briefly, so a busy orchestrator cannot turn probes into load. node:child_process directly: the shared
// run() would load execa (~15 MB) into a sidecar that must idle under 50 MB.
export function readiness(command: string, cacheMs = 5000): () => Promise<Readiness> {
  let last: { at: number; r: Readiness } | undefined;
  let running: Promise<Readiness> | undefined;
  return () => {
    if (last && Date.now() - last.at < cacheMs) return Promise.resolve(last.r);
    running ??= new Promise<Readiness>((resolve) => {
      // Loaded on the first probe: a sidecar nobody asks for readiness never holds child_process.
      process.getBuiltinModule('node:child_process').execFile(command, [], { timeout: 15_000, encoding: 'utf8' }, (err, stdout) => {
        const r = { ok: !err, text: stdout.trim() || (err ? String(err.message) : 'healthy') };
        last = { at: Date.now(), r };
        running = undefined;
        resolve(r);
      });
    });
    return running;
  };
}
