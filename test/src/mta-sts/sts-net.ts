import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Outbound, type OutboundOptions, startOutbound } from '@mta/mta-sts';
import { postfixRenderers } from '@mta/seed/postfix/index';
import type { RawEnv } from '@mta/shared';
import type { DnsServer } from '../harness/dns.ts';
import { type Daemon, eventually, memoryLogger, type SeededPostfix, seededPostfix, type TestNetns, tsxArgs } from '../harness/index.ts';
import type { PolicyServer } from './policy-server.ts';

// The MX hosts, the client and the policy source of the outbound MTA-STS tests (postfix.test.ts, tlsrpt.test.ts).

// The seed's postfix (mini) in the namespace, for the test CA and with retries that come fast; the socket directory
// as the run script makes it (postfix must reach the socket). extra: more main.cf settings.
export async function stsPostfix(ns: TestNetns, srv: PolicyServer, env: RawEnv, extra: string[] = []): Promise<SeededPostfix> {
  const mta = await seededPostfix({ env, variant: 'mini', renderers: postfixRenderers, ns, ownMtaSts: true });
  const caFile = join(mta.root, 'test-ca.pem');
  writeFileSync(caFile, srv.ca.certPem);
  mta.postfix.postconf(
    '-e',
    `smtp_tls_CAfile=${caFile}`,
    'queue_run_delay=2s',
    'minimal_backoff_time=2s',
    'maximal_backoff_time=4s',
    ...extra,
  );
  mkdirSync(mta.paths.mtaStsRun, { recursive: true });
  for (const d of [mta.paths.run, mta.paths.mtaStsRun]) chmodSync(d, 0o755);
  return mta;
}

// The policy source postfix asks, reading _mta-sts records from dns and policies from srv (its test CA).
export const stsOutbound = (
  mta: SeededPostfix,
  dns: DnsServer,
  srv: PolicyServer,
  log: string[],
  o: Pick<OutboundOptions, 'postfixVersion'> & Partial<OutboundOptions>,
): Promise<Outbound> =>
  startOutbound({
    socket: join(mta.paths.mtaStsRun, 'policy.sock'),
    map: 'mta-sts',
    cacheDir: mta.paths.mtaStsCache,
    dns: { host: '127.0.0.1', port: dns.port },
    daneCheck: false,
    node: 'mx1',
    log: memoryLogger(log),
    fetch: { ca: [srv.ca.certPem], port: srv.port, lookup: srv.lookup },
    minRecheckMs: 0,
    ...o,
  });

export interface SinkMessage {
  to: string[];
  tls: boolean;
  // The message, with keep.
  data?: string;
}

// An MX host (mx-sink.ts) on host:25 inside the namespace: STARTTLS with the certificate given, or none.
export async function startSink(
  ns: TestNetns,
  name: string,
  host: string,
  cert?: { keyPem: string; chainPem: string },
  keep = false,
): Promise<Daemon> {
  const script = new URL('./mx-sink.ts', import.meta.url).pathname;
  const o = JSON.stringify({ host, port: 25, key: cert?.keyPem, cert: cert?.chainPem, keep });
  const d = ns.start(process.execPath, tsxArgs(script, o));
  await eventually(() => d.output().includes('ready') || d.proc.exitCode !== null, 20_000, `${name} sink`);
  if (!d.output().includes('ready')) throw new Error(`${name} sink: ${d.output()}`);
  return d;
}

export const sinkMessages = (d: Daemon | undefined): SinkMessage[] =>
  (d?.output() ?? '')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as SinkMessage);

// One message from app@example.com into the seeded postfix (port 25), queued.
export function sendThrough(ns: TestNetns, mta: SeededPostfix, to: string): void {
  const r = ns.run('swaks', [
    '--hide-informational',
    '--timeout',
    '15',
    '--server',
    '127.0.0.1',
    '--port',
    String(mta.port),
    '--from',
    'app@example.com',
    '--to',
    to,
  ]);
  assert.match(`${r.stdout}${r.stderr}`, /<- {2}250 2\.0\.0 Ok: queued as/, `${r.stdout}${r.stderr}`);
}

// postfix's deferral line for a recipient, once it is logged.
export const deferredLine = (mta: SeededPostfix, to: string, reason: RegExp) =>
  eventually(
    () =>
      mta.postfix
        .output()
        .split('\n')
        .find((l) => l.includes(`to=<${to}>`) && l.includes('status=deferred') && reason.test(l)),
    30_000,
    `${to} deferred`,
  );

// Stops (or closes) what a test started, in the order given; what never started is skipped.
export async function stopAll(...xs: ({ stop: () => Promise<unknown> } | { close: () => Promise<unknown> } | undefined)[]): Promise<void> {
  for (const x of xs) if (x) await ('stop' in x ? x.stop() : x.close());
}
