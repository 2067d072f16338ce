import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DefenceOptions, defenceRenderer, renderDefences } from '@mta/seed/defences/index';
import type { Renderer } from '@mta/seed/plan';
import { renderers } from '@mta/seed/renderers';
import type { RawEnv, Variant } from '@mta/shared';
import { type Dovecot, startDovecot } from '../dovecot/start-dovecot.ts';
import { type Daemon, freePort, type SeededPostfix, seededPostfix, type TestNetns } from '../harness/index.ts';

export interface Stack {
  mta: SeededPostfix;
  dovecot?: Dovecot;
  gate?: Daemon;
  // Where clients reach postfix: the gate's ports with TRUSTED_PROXIES, else postfix's own.
  ports: { smtp: number; submission?: number; smtps?: number };
  stop: () => Promise<void>;
}

// The seed-rendered postfix (and dovecot, and with TRUSTED_PROXIES the haproxy gate) inside a namespace, logging
// where the image's svlogd keeps the streams, so the guard follows them exactly as in the image.
export async function startStack(ns: TestNetns, env: RawEnv, o: { variant?: Variant; dovecot?: boolean } = {}): Promise<Stack> {
  const gated = !!env.TRUSTED_PROXIES;
  const pub = { smtp: await freePort(), submission: await freePort(), smtps: await freePort() };
  const internal = { smtp: await freePort(), submission: await freePort(), smtps: await freePort() };
  const opts: DefenceOptions = {
    publicPorts: { smtp: `127.0.0.1:${pub.smtp}`, submission: `127.0.0.1:${pub.submission}`, smtps: `127.0.0.1:${pub.smtps}` },
    internal: { smtp: `127.0.0.1:${internal.smtp}`, submission: `127.0.0.1:${internal.submission}`, smtps: `127.0.0.1:${internal.smtps}` },
  };
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
      dovecot = await startDovecot(mta.paths, { ns, logDir: true });
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
    const ports = gated ? pub : { smtp: mta.ports.smtp as number, submission: mta.ports.submission, smtps: mta.ports.smtps };
    return {
      mta,
      dovecot,
      gate,
      ports,
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

// Raw bytes to a TCP service from one client address; what came back within `waitS` seconds.
export function talk(ns: TestNetns, from: string, server: string, port: number, send: string, waitS = 2): string {
  const r = ns.run(
    'bash',
    ['-c', `{ printf '%b' "$1"; sleep ${waitS}; } | nc -s ${from} -w ${waitS + 1} ${server} ${port}`, 'talk', send],
    {
      timeoutMs: (waitS + 10) * 1000,
    },
  );
  return r.stdout;
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
