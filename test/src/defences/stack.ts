import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DefenceOptions, defenceRenderer, renderDefences } from '@mta/seed/defences/index';
import type { Renderer } from '@mta/seed/plan';
import { renderers } from '@mta/seed/renderers';
import type { RawEnv, Variant } from '@mta/shared';
import { type Dovecot, startDovecot } from '../dovecot/start-dovecot.ts';
import { type Daemon, freePort, type SeededPostfix, seededPostfix, type TestNetns } from '../harness/index.ts';

const SERVICES = ['smtp', 'submission', 'smtps', 'imap', 'imaps', 'pop3', 'pop3s'] as const;
type Service = (typeof SERVICES)[number];
const freePorts = async (): Promise<Record<Service, number>> =>
  Object.fromEntries(await Promise.all(SERVICES.map(async (s) => [s, await freePort()] as const))) as Record<Service, number>;
const loopback = (ports: Record<Service, number>): Record<Service, string> =>
  Object.fromEntries(SERVICES.map((s) => [s, `127.0.0.1:${ports[s]}`])) as Record<Service, string>;

export interface Stack {
  mta: SeededPostfix;
  dovecot?: Dovecot;
  gate?: Daemon;
  // Where clients reach postfix and dovecot: the gate's ports with TRUSTED_PROXIES, else the daemons' own.
  ports: { smtp: number; submission?: number; smtps?: number; imap?: number; imaps?: number; pop3?: number; pop3s?: number };
  // Behind the gate: the loopback ports the daemons listen on (what only the gate should reach).
  internal?: Record<Service, number>;
  stop: () => Promise<void>;
}

// The seed-rendered postfix (and dovecot, and with TRUSTED_PROXIES the haproxy gate) inside a namespace, logging
// where the image's svlogd keeps the streams, so the guard follows them exactly as in the image.
export async function startStack(ns: TestNetns, env: RawEnv, o: { variant?: Variant; dovecot?: boolean } = {}): Promise<Stack> {
  const gated = !!env.TRUSTED_PROXIES;
  const pub = await freePorts();
  const internal = await freePorts();
  const opts: DefenceOptions = { publicPorts: loopback(pub), internal: loopback(internal) };
  const list: Renderer[] = renderers.map((r) => (r === renderDefences ? defenceRenderer(opts) : r));
  const mta = await seededPostfix({
    // postscreen on unless a test says otherwise: what an internet-facing MX runs.
    env: { INET_INTERFACES: 'all', POSTSCREEN: 'yes', POSTSCREEN_GREET_WAIT: '1s', ...env },
    variant: o.variant ?? 'base',
    renderers: list,
    ns,
    logDir: true,
    waitPort: gated ? internal.smtp : undefined,
  });
  const stops: (() => Promise<void>)[] = [() => mta.stop()];
  // The image's variant marker: sidecars pointed at this root (MTA_ROOT) know dovecot is there.
  mkdirSync(join(mta.root, 'usr/share/mta'), { recursive: true });
  writeFileSync(join(mta.root, 'usr/share/mta/variant'), `${o.variant ?? 'base'}\n`);
  try {
    let dovecot: Dovecot | undefined;
    if (o.dovecot !== false && (o.variant ?? 'base') !== 'mini') {
      const { imap, imaps, pop3, pop3s } = internal;
      dovecot = await startDovecot(mta.paths, { ns, logDir: true, ports: gated ? { imap, imaps, pop3, pop3s } : undefined });
      const d = dovecot;
      stops.unshift(() => d.stop());
    }
    let gate: Daemon | undefined;
    if (gated) {
      gate = ns.start('haproxy', ['-db', '-f', mta.paths.haproxyConf]);
      const g = gate;
      stops.unshift(() => g.stop());
      await ns.waitForPort(pub.smtp).catch((e: Error) => {
        throw new Error(`${e.message}\n${g.output()}`);
      });
    }
    const ports = gated
      ? pub
      : { smtp: mta.ports.smtp as number, submission: mta.ports.submission, smtps: mta.ports.smtps, ...dovecot?.ports };
    return {
      mta,
      dovecot,
      gate,
      ports,
      internal: gated ? internal : undefined,
      stop: async () => {
        for (const s of stops) await s().catch(() => undefined);
      },
    };
  } catch (e) {
    for (const s of stops) await s().catch(() => undefined);
    throw e;
  }
}

// swaks inside the namespace, from one client address.
export function swaksFrom(ns: TestNetns, from: string, server: string, port: number, args: string[]): string {
  const r = ns.run(
    'swaks',
    ['--hide-informational', '--timeout', '15', '--local-interface', from, '--server', server, '--port', String(port), ...args],
    {
      timeoutMs: 60_000,
    },
  );
  return `${r.stdout}${r.stderr}`;
}

// A shell line that sends $1 (printf %b escapes) from one client address and prints what came back within waitS s.
const talkScript = (from: string, server: string, port: number, waitS: number) =>
  `{ printf '%b' "$1"; sleep ${waitS}; } | nc -s ${from} -w ${waitS + 1} ${server} ${port}`;

// Raw bytes to a TCP service from one client address; what came back within `waitS` seconds.
export function talk(ns: TestNetns, from: string, server: string, port: number, send: string, waitS = 2): string {
  return ns.run('bash', ['-c', talkScript(from, server, port, waitS), 'talk', send], { timeoutMs: (waitS + 10) * 1000 }).stdout;
}

// `talk` for many payloads at once (each its own connection, in parallel): what came back for each, in order.
export function talkAll(ns: TestNetns, from: string, server: string, port: number, sends: readonly string[], waitS = 2): Promise<string[]> {
  return Promise.all(
    sends.map(
      (send) =>
        new Promise<string>((resolve) => {
          const script = talkScript(from, server, port, waitS);
          const p = spawn('ip', ['netns', 'exec', ns.name, 'bash', '-c', script, 'talk', send], { stdio: ['ignore', 'pipe', 'ignore'] });
          let out = '';
          p.stdout.on('data', (d) => (out += d));
          const kill = setTimeout(() => p.kill('SIGKILL'), (waitS + 10) * 1000);
          p.on('close', () => {
            clearTimeout(kill);
            resolve(out);
          });
        }),
    ),
  );
}

// What a daemon logged so far (the file svlogd would keep).
export const logOf = (s: Stack, daemon: 'postfix' | 'dovecot'): string => {
  try {
    return readFileSync(join(s.mta.paths.logDir, daemon, 'current'), 'utf8');
  } catch {
    return '';
  }
};

// swaks arguments of a relay attempt to another domain, stopped after RCPT (the answer is the relay decision).
// Client addresses inside a test namespace: three on the internet (TEST-NET-1) and a neighbour in MYNETWORKS.
export const INTERNET = ['192.0.2.66', '192.0.2.67', '192.0.2.68'] as const;
export const NEIGHBOUR = '10.9.0.5';

export const RELAY_PROBE = ['--to', 'x@elsewhere.test', '--from', 'a@sender.test', '--quit-after', 'RCPT'];

// The name a DNSBL zone lists an IPv4 address under (its octets reversed).
export const dnsblName = (ip: string, zone: string): string => `${ip.split('.').reverse().join('.')}.${zone}`;
