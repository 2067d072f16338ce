import assert from 'node:assert/strict';
import { type Daemon, eventually, type SeededPostfix, type TestNetns, tsxArgs } from '../harness/index.ts';

// The MX hosts and the client of the outbound MTA-STS tests (postfix.test.ts, tlsrpt.test.ts).

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
