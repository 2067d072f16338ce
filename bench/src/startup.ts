// Cold start of the image to the SMTP 220 banner (mini and full; full does not wait for clamd's signatures), against
// the container runtime's own start of the same image in the same run, and the idle memory and CPU of every
// long-running sidecar (full with an acme.json and kopano's drop folder mounted, so all three run) against a bare node
// in the same container. Needs root, podman, buildah and ip (MTA_INSTALL_IMAGE_TOOLS=1 scripts/install-deps); builds
// missing images with scripts/build-image, reuses existing ones (BENCH_REBUILD=1 rebuilds). BENCH_RELEASES=bookworm,trixie
// measures the images of both releases, alternating them run by run (report/releases.ts: each release's figures and
// their ratio). Writes bench/results/startup.json; targets in report/catalog.ts.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resultHeader } from './report/header.ts';
import { benchReleases, combineReleases, roundOrder } from './report/releases.ts';
import { writeResult } from './report/write.ts';

process.env.MTA_TEST_IMAGE = '1';
if (process.env.BENCH_REBUILD !== '1') process.env.MTA_TEST_IMAGE_REUSE = '1';
const P = await import('@mta/test/image/podman');
const { acmeV2, issue, makeCa } = await import('@mta/acme-watch/testing');

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const IDLE_MS = 10_000;
const VARIANTS = ['mini', 'full'] as const;
type Variant = (typeof VARIANTS)[number];

const why = P.skipReason();
if (why) {
  console.error(`bench startup: ${why}`);
  process.exit(2);
}
const RELEASES = benchReleases() ?? [P.RELEASE];
for (const release of RELEASES) await P.buildImages(VARIANTS, release);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tmp = mkdtempSync(join(tmpdir(), 'mta-bench-startup-'));
const ns = P.netns(`mta-bench-${process.pid}`);

// What full mounts so that acme-watch and spamd-learn run besides dkim-keys.
// Once per release: each call gets directories of its own.
function fullVolumes(): string[] {
  const dir = mkdtempSync(join(tmp, 'full-'));
  const acme = join(dir, 'acme');
  mkdirSync(acme, { mode: 0o755 });
  const host = 'mx.example.test';
  writeFileSync(
    join(acme, 'acme.json'),
    acmeV2({ le: [{ main: host, cert: issue(makeCa(), { cn: host, sans: [host, 'example.test'] }) }] }),
    {
      mode: 0o644,
    },
  );
  const spamd = join(dir, 'spamd');
  mkdirSync(join(spamd, 'spam'), { recursive: true });
  mkdirSync(join(spamd, 'ham'));
  return [`${acme}:/acme:ro`, `${spamd}:/var/lib/kopano/spamd`];
}

// `podman run` of the same image with /bin/true: what any container costs here before our entrypoint runs.
function runtimeStartMs(image: string): number {
  const t0 = performance.now();
  const r = P.podman('run', '--rm', '--network', `ns:/run/netns/${ns.name}`, '--entrypoint', '/bin/true', image);
  if (r.status !== 0) throw new Error(`podman run ${image} /bin/true: ${r.out}`);
  return performance.now() - t0;
}

// A fresh /srv volume each time (first start: seeding included), timed from `podman run` to the 220 banner.
async function coldStart(
  variant: Variant,
  image: string,
  name: string,
  extraVolumes: string[],
): Promise<{ ms: number; c: import('@mta/test/image/podman').Container }> {
  const volume = `${name}-srv`;
  P.removeVolume(volume);
  const t0 = performance.now();
  const c = P.startContainer({
    name,
    image,
    ns: ns.name,
    // METRICS=yes and a SASL login on full: every long-running sidecar runs (guard by default, acme-watch and
    // spamd-learn by the mounts, sender-milter with submission).
    env: {
      MAIL_BOXES: 'info@example.test',
      ...(variant === 'full' ? { METRICS: 'yes', SMTPD_SASL_CLIENTAUTH: 'bench:{plain}bench-pw' } : {}),
    },
    volumes: [`${volume}:/srv`, ...extraVolumes],
  });
  while (!/^220 /.test(P.greeting(ns.name, 25))) {
    if (performance.now() - t0 > 60_000) throw new Error(`${variant}: no 220 within 60 s:\n${c.logs().slice(-3000)}`);
    if (!P.state(name).running) throw new Error(`${variant}: container exited:\n${c.logs().slice(-3000)}`);
    await sleep(25);
  }
  return { ms: performance.now() - t0, c };
}

// Idle RSS and CPU of each long-running sidecar after start-up settled, and of a bare node started in the container.
async function idleSidecars(c: import('@mta/test/image/podman').Container) {
  const want = ['acme-watch', 'dkim-keys', 'guard', 'metrics', 'sender-milter', 'spamd-learn'];
  for (let i = 0; Object.keys(P.procStats(c, P.SIDECAR_PROCS)).length < want.length; i++) {
    if (i > 600) throw new Error(`sidecars not all running: ${JSON.stringify(P.procStats(c, P.SIDECAR_PROCS))}\n${c.logs().slice(-3000)}`);
    await sleep(100);
  }
  P.podman('exec', '-d', c.name, '/usr/local/bin/node', '-e', 'setInterval(() => {}, 1e9) // bench-bare-node');
  await sleep(5000);
  const before = P.procStats(c, P.SIDECAR_PROCS);
  await sleep(IDLE_MS);
  const after = P.procStats(c, P.SIDECAR_PROCS);
  const bare = P.procStats(c, /(bench-bare-node)/)['bench-bare-node'];
  const out: Record<string, { rssMB: number; cpuPercent: number; vsBareNode: number }> = {};
  for (const name of want) {
    const a = after[name];
    const b = before[name];
    if (!a || !b || a.pid !== b.pid) throw new Error(`${name} restarted or stopped while idle`);
    const rssMB = a.rssKB / 1024;
    out[name] = {
      rssMB: Number(rssMB.toFixed(1)),
      cpuPercent: Number((((a.ticks - b.ticks) / 100 / (IDLE_MS / 1000)) * 100).toFixed(2)),
      vsBareNode: bare ? Number((a.rssKB / bare.rssKB).toFixed(2)) : Number.NaN,
    };
  }
  return { sidecars: out, bareNodeMB: bare ? Number((bare.rssKB / 1024).toFixed(1)) : null };
}

// Per release: the start-up figures of each variant and the idle sidecars of full.
const byRelease = Object.fromEntries(
  RELEASES.map((r) => [
    r,
    { variants: {} as Record<string, unknown>, idle: undefined as Awaited<ReturnType<typeof idleSidecars>> | undefined },
  ]),
);
try {
  for (const variant of VARIANTS) {
    const runtimeMs: Record<string, number[]> = {};
    const startMs: Record<string, number[]> = {};
    // Run by run, every release in turn (the order flips each run): each release's runs see the same host load.
    for (let i = 0; i < RUNS; i++)
      for (const release of roundOrder(RELEASES, i)) {
        const image = P.imageRef(variant, release);
        (runtimeMs[release] ??= []).push(runtimeStartMs(image));
        const name = `mta-bench-${process.pid}-${variant}-${release}-${i}`;
        const last = variant === 'full' && i === RUNS - 1;
        const { ms, c } = await coldStart(variant, image, name, last ? fullVolumes() : []);
        (startMs[release] ??= []).push(ms);
        try {
          const slot = byRelease[release];
          if (last && slot) slot.idle = await idleSidecars(c);
        } finally {
          c.remove();
          P.removeVolume(`${name}-srv`);
        }
      }
    for (const release of RELEASES) {
      const starts = startMs[release] ?? [];
      const runtime = runtimeMs[release] ?? [];
      const m = median(starts);
      const slot = byRelease[release];
      if (slot)
        slot.variants[variant] = {
          startupMs: starts.map(Math.round),
          medianMs: Math.round(m),
          runtimeStartMs: Math.round(median(runtime)),
          // How many times the runtime's own start our start-up (entry steps, seeding, daemons) takes.
          vsRuntimeStart: Number((m / median(runtime)).toFixed(1)),
        };
    }
  }
} finally {
  ns.remove();
  rmSync(tmp, { recursive: true, force: true });
}

const resultOf = (release: string) => ({
  ...resultHeader('startup'),
  release,
  image: P.imageRef('full', release).replace(/:full-/, ':<variant>-'),
  runs: RUNS,
  variants: byRelease[release]?.variants,
  idle: { ...byRelease[release]?.idle, windowMs: IDLE_MS },
  note: 'podman run (fresh /srv volume, first start with seeding) to the 220 banner on port 25, median of runs; runtimeStartMs = podman run --rm of the same image with /bin/true; idle = long-running sidecars of full (acme.json and the kopano drop folder mounted) after start-up settled, vs a bare node in the same container',
});
const headline = RELEASES.includes(P.DEFAULT_RELEASE) ? P.DEFAULT_RELEASE : (RELEASES[0] as string);
writeResult(
  'startup',
  RELEASES.length > 1
    ? combineReleases(Object.fromEntries(RELEASES.map((r) => [r, [resultOf(r)]])), RELEASES, headline)
    : resultOf(headline),
);
