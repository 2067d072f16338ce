import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { eventually } from '../harness/net.ts';

// Helpers for the image tests: podman containers in a network namespace of their own, so the container's postfix
// binds port 25 there and nothing of the host. Talking to it: commands run inside the namespace (`ip netns exec`).

export const REPO = join(import.meta.dirname, '..', '..', '..');
export const IMAGE_NAME = process.env.MTA_IMAGE_NAME ?? 'mta';
// The Dockerfile's `ARG DEBIAN_RELEASE` (named there once), and the release under test: MTA_DEBIAN_RELEASE or that.
export const DEFAULT_RELEASE = /^ARG DEBIAN_RELEASE=(\S+)$/m.exec(readFileSync(join(REPO, 'Dockerfile'), 'utf8'))?.[1] ?? '';
export const RELEASE = process.env.MTA_DEBIAN_RELEASE || DEFAULT_RELEASE;
// Always the release's own tag (scripts/build-image: `<name>:<target>-<release>`): a test that builds another release
// (the upgrade test's previous one) never changes what the others run.
export const imageRef = (variant: Variant, release = RELEASE): string => `${IMAGE_NAME}:${variant}-${release}`;
export const VARIANTS = (process.env.MTA_TEST_IMAGE_VARIANTS ?? 'mini base full').split(/[\s,]+/).filter(Boolean) as Variant[];
export type Variant = 'mini' | 'base' | 'full';

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

// Why the image tests cannot run here, or undefined when they can.
export function skipReason(): string | undefined {
  if (process.env.MTA_TEST_IMAGE !== '1') return 'image tests run only with MTA_TEST_IMAGE=1 (they build the image: minutes)';
  for (const cmd of ['podman', 'buildah', 'ip', 'swaks']) {
    if (!has(cmd)) return `${cmd} is not installed (MTA_INSTALL_IMAGE_TOOLS=1 scripts/install-deps)`;
  }
  if (process.getuid?.() !== 0) return 'image tests need root (network namespaces, podman with runc)';
  return undefined;
}

export interface Run {
  status: number;
  out: string;
}

export function sh(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Run {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input: opts.input, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 << 20 });
  return { status: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

// runc and no default ulimits (crun and RLIMIT_NOFILE fail in sandboxed hosts); the file scripts/build-image uses.
function containersConf(): string {
  const file = join(REPO, '.image', 'containers.conf');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, '[containers]\ndefault_ulimits = []\n\n[engine]\nruntime = "runc"\n');
  }
  return file;
}
if (!process.env.CONTAINERS_CONF && process.env.MTA_TEST_IMAGE === '1') process.env.CONTAINERS_CONF = containersConf();

export function podman(...args: string[]): Run {
  return sh('podman', ['--runtime', 'runc', ...args]);
}

function imageExists(ref: string): boolean {
  return podman('image', 'exists', ref).status === 0;
}

// Builds the variants of a release with scripts/build-image (layers are cached; MTA_TEST_IMAGE_REUSE=1 skips
// existing images). Every image test file calls this, each in its own process of the same test run: one build per
// run and release, under one lock, so the files neither build at once (two CPUs) nor rebuild what another just built.
export async function buildImages(variants: readonly Variant[], release = RELEASE): Promise<void> {
  const todo = process.env.MTA_TEST_IMAGE_REUSE === '1' ? variants.filter((v) => !imageExists(imageRef(v, release))) : [...variants];
  if (!todo.length) return;
  const cache = join(REPO, '.image');
  mkdirSync(cache, { recursive: true });
  // The test runner is the parent of every test file's process: its pid names this run.
  const stamp = join(cache, `built-${IMAGE_NAME}-${release}-${process.ppid}`);
  const script = `for v in "$@"; do grep -qx "$v" "$STAMP" 2>/dev/null || todo="$todo $v"; done
[ -z "$todo" ] && exit 0
scripts/build-image $todo && printf '%s\n' $todo >>"$STAMP"`;
  const child = spawn('flock', [join(cache, `build-${IMAGE_NAME}.lock`), 'bash', '-c', script, 'build', ...todo], {
    cwd: REPO,
    env: { ...process.env, STAMP: stamp, MTA_DEBIAN_RELEASE: release },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const code = await new Promise<number>((r) => child.once('exit', (c) => r(c ?? -1)));
  if (code !== 0) throw new Error(`scripts/build-image ${todo.join(' ')} (${release}) failed (exit ${code}):\n${out.slice(-4000)}`);
}

// A network namespace with only loopback up; removed by its cleanup.
export function netns(name: string): { name: string; path: string; remove: () => void } {
  sh('ip', ['netns', 'del', name]);
  const add = sh('ip', ['netns', 'add', name]);
  if (add.status !== 0) throw new Error(`ip netns add ${name}: ${add.out}`);
  sh('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return { name, path: `/run/netns/${name}`, remove: () => void sh('ip', ['netns', 'del', name]) };
}

export function inNs(ns: string, cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Run {
  return sh('ip', ['netns', 'exec', ns, cmd, ...args], opts);
}

// The first line a TCP service sends on 127.0.0.1:port inside the namespace ('' when nothing answers).
export function greeting(ns: string, port: number): string {
  const r = inNs(ns, 'timeout', ['3', 'bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${port} && head -n1 <&3 && printf 'QUIT\\r\\n' >&3`], {
    timeoutMs: 5000,
  });
  return r.status === 0 ? r.out.trim() : '';
}

// swaks from inside the namespace against the container's postfix.
export function swaksIn(ns: string, args: string[]): Run {
  return inNs(ns, 'swaks', ['--hide-informational', '--timeout', '20', '--server', '127.0.0.1', '--port', '25', ...args], {
    timeoutMs: 60_000,
  });
}

// A client address of the namespace (the container shares it): swaks from there, as postfix's client at that address.
export function clientIn(ns: string, ip: string): (args: string[]) => Run {
  inNs(ns, 'ip', ['addr', 'add', `${ip}/32`, 'dev', 'lo']);
  return (args) => swaksIn(ns, ['--local-interface', ip, ...args]);
}

// The certificate postfix presents on port 25 after STARTTLS, decoded by the host's openssl: its serial=, subject=
// and issuer= lines ('' when none came).
export const servedCert = (ns: string, servername?: string): string =>
  inNs(
    ns,
    'bash',
    [
      '-c',
      `timeout 10 openssl s_client -connect 127.0.0.1:25 -starttls smtp${servername ? ` -servername ${servername}` : ''} </dev/null 2>/dev/null` +
        ' | openssl x509 -noout -serial -subject -issuer',
    ],
    { timeoutMs: 15_000 },
  ).out.trim();

// One message with `token` as its subject (and, unless other swaks options are given, its body) into port 25.
export function mailIn(ns: string, from: string, to: string, token: string, extra: string[] = ['--body', token]): Run {
  return swaksIn(ns, ['--from', from, '--to', to, '--header', `Subject: ${token}`, ...extra]);
}

export interface Container {
  name: string;
  exec: (...cmd: string[]) => Run;
  logs: () => string;
  remove: () => void;
}

export interface RunOptions {
  name: string;
  image: string;
  ns: string;
  env: Record<string, string>;
  volumes?: string[];
  detach?: boolean;
  // Default mx.example.test.
  hostname?: string;
  // More `podman run` options (--dns, --add-host, …), before the image.
  args?: string[];
}

export function podmanRunArgs(o: RunOptions): string[] {
  const args = ['run', '--name', o.name, '--network', `ns:/run/netns/${o.ns}`];
  if (o.hostname !== '') args.push('--hostname', o.hostname ?? 'mx.example.test');
  if (o.detach !== false) args.push('-d');
  for (const [k, v] of Object.entries(o.env)) args.push('-e', `${k}=${v}`);
  for (const v of o.volumes ?? []) args.push('-v', v);
  args.push(...(o.args ?? []), o.image);
  return args;
}

export function startContainer(o: RunOptions): Container {
  podman('rm', '-f', '-v', o.name);
  const r = podman(...podmanRunArgs(o));
  if (r.status !== 0) throw new Error(`podman run ${o.name} failed: ${r.out}`);
  return container(o.name);
}

export function container(name: string): Container {
  return {
    name,
    exec: (...cmd) => podman('exec', name, ...cmd),
    logs: () => podman('logs', name).out,
    remove: () => void podman('rm', '-f', '-v', '-t', '0', name),
  };
}

// The mail store holding a message with this token, or '' (any layout: postfix virtual mbox or dovecot maildir).
export function delivered(c: Container, token: string): string {
  const r = c.exec('grep', '-rl', token, '/var/mail/');
  return r.status === 0 ? r.out.trim() : '';
}

// The messages in postfix's queue (postqueue -j): id and queue (active, deferred, hold…).
export function queue(c: Container): { queue_id: string; queue_name: string }[] {
  return c
    .exec('postqueue', '-j')
    .out.split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { queue_id: string; queue_name: string });
}

// The ids of the messages in postfix's queue.
export const queueIds = (c: Container): string[] => queue(c).map((m) => m.queue_id);

export function state(name: string): { running: boolean; exitCode: number; health: string } {
  const r = podman('inspect', name, '--format', '{{.State.Running}} {{.State.ExitCode}} {{.State.Health.Status}}');
  const [running, code, health] = r.out.trim().split(/\s+/);
  return { running: running === 'true', exitCode: Number(code), health: health ?? '' };
}

// `ready`'s first truthy value, asked while the container runs; once it exited, the wait fails with its exit code
// and the tail of its log.
export function whileRunning<T>(c: Container, ready: () => T, ms: number, what: string): Promise<NonNullable<T>> {
  return eventually(
    () => {
      const st = state(c.name);
      if (!st.running) throw new Error(`${c.name} exited (${st.exitCode}):\n${c.logs().slice(-4000)}`);
      return ready();
    },
    ms,
    what,
  );
}

// The image's HEALTHCHECK passes (podman runs it as the engine would).
export const healthy = (c: Container, ms = 240_000, what = `${c.name} healthy`): Promise<true> =>
  whileRunning(
    c,
    () => {
      const r = podman('healthcheck', 'run', c.name);
      if (r.status !== 0) throw new Error(r.out.trim());
      return true as const;
    },
    ms,
    what,
  );

export function removeVolume(name: string): void {
  podman('volume', 'rm', '-f', name);
}

export interface ProcStat {
  pid: number;
  rssKB: number;
  // utime + stime, in clock ticks (1/100 s).
  ticks: number;
}

// Resident memory and CPU time of each running process in the container whose command line matches `pattern`,
// keyed by the pattern's first capture group. Read from /proc inside the container (no ps in the image).
export function procStats(c: Container, pattern: RegExp): Record<string, ProcStat> {
  const script =
    'for p in /proc/[0-9]*; do c=$(tr "\\0" " " < $p/cmdline 2>/dev/null) || continue; ' +
    'echo "$(basename $p)|$c|$(awk \'/^VmRSS/ {print $2}\' $p/status)|$(cut -d" " -f14,15 $p/stat)"; done';
  const out: Record<string, ProcStat> = {};
  for (const line of c.exec('sh', '-c', script).out.split('\n')) {
    const [pid, cmd, rss, times] = line.split('|');
    const m = cmd?.match(pattern);
    if (!m?.[1] || !rss) continue;
    const [u, s] = (times ?? '').split(' ').map(Number);
    out[m[1]] = { pid: Number(pid), rssKB: Number(rss), ticks: (u ?? 0) + (s ?? 0) };
  }
  return out;
}

// The long-running Node sidecars (not their `--once` entry steps), by name.
export const SIDECAR_PROCS = /sidecars\/([\w-]+)\/bundle\/main\.js\s*$/;
