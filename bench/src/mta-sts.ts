// bench/mta-sts: outbound MTA-STS from postfix's side. (1) Policy lookup latency over the socketmap, as postfix's
// smtp processes ask it (one connection, netstring requests): cached (a domain whose enforce policy is in the cache)
// and uncached (a new domain each time: TXT lookup on the test DNS server, HTTPS fetch from a local policy server
// with a test CA), p50/p99. (2) Delivery throughput of a real postfix to a loopback sink with the policy map on
// against off, alternating rounds in one run (ratio). Writes bench/results/mta-sts.json; targets in report/catalog.ts.

import { createConnection } from 'node:net';
import { join } from 'node:path';
import { encodeNetstring, NetstringReader } from '@mta/mta-sts/netstring';
import { startOutbound } from '@mta/mta-sts/service';
import { createLogger } from '@mta/shared';
import { startDns } from '@mta/test/harness/dns';
import { eventually, freePort, scaffoldConfig, startPostfix, startSink, tempRoot } from '@mta/test/harness/index';
import { policyText, startPolicyServer } from '@mta/test/mta-sts/policy-server';
import nodemailer from 'nodemailer';
import { resultHeader } from './report/header.ts';
import { writeResult } from './report/write.ts';

const CACHED = Number(process.env.BENCH_CACHED ?? 2000);
const UNCACHED = Number(process.env.BENCH_UNCACHED ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const PER_ROUND = Number(process.env.BENCH_MESSAGES ?? 300);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round((s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN) * 100) / 100;
};

// One socketmap connection, requests one after the other (as one smtp process asks).
async function client(socket: string) {
  const sock = createConnection(socket);
  await new Promise<void>((r, j) => sock.once('connect', r).once('error', j));
  const reader = new NetstringReader(100_000);
  const waiting: ((s: string) => void)[] = [];
  sock.on('data', (c: Buffer) => {
    for (const s of reader.push(c)) waiting.shift()?.(s);
  });
  return {
    ask: (key: string) =>
      new Promise<{ reply: string; ms: number }>((resolve) => {
        const t = performance.now();
        waiting.push((reply) => resolve({ reply, ms: performance.now() - t }));
        sock.write(encodeNetstring(`mta-sts ${key}`));
      }),
    close: () => sock.destroy(),
  };
}

const root = await tempRoot('mta-bench-sts-');
const log = createLogger({ sidecar: 'mta-sts', node: 'bench', syslogLevel: 3 });
const domains = Array.from({ length: UNCACHED + 1 }, (_, i) => `d${i}.bench.test`);
const srv = await startPolicyServer(domains.map((d) => `mta-sts.${d}`));
for (const d of domains) srv.served.set(d, { body: policyText('enforce', [`mx.${d}`], 86400) });
const dns = await startDns({ txt: Object.fromEntries(domains.map((d) => [`_mta-sts.${d}`, ['v=STSv1; id=1']])) });
const socket = join(root.dir, 'policy.sock');
const outbound = await startOutbound({
  socket,
  map: 'mta-sts',
  cacheDir: join(root.dir, 'cache'),
  dns: { host: '127.0.0.1', port: dns.port },
  daneCheck: false,
  postfixVersion: '3.10.13',
  node: 'bench',
  log,
  fetch: { ca: [srv.ca.certPem], port: srv.port, lookup: srv.lookup },
});
const sink = await startSink();
try {
  const c = await client(socket);
  const uncached: number[] = [];
  for (const d of domains.slice(1)) {
    const r = await c.ask(d);
    if (!r.reply.startsWith('OK secure')) throw new Error(`${d}: ${r.reply}`);
    uncached.push(r.ms);
  }
  const cachedDomain = domains[1] as string;
  const cached: number[] = [];
  for (let i = 0; i < CACHED; i++) cached.push((await c.ask(cachedDomain)).ms);
  c.close();

  // Throughput: the same postfix, smtp_tls_policy_maps on (the socketmap) and off, alternating.
  const port = await freePort();
  const etc = scaffoldConfig(join(root.dir, 'pf'), port, {
    mynetworks: '127.0.0.0/8',
    mydestination: '',
    relayhost: `[127.0.0.1]:${sink.port}`,
    smtp_dns_support_level: 'disabled',
    smtpd_client_message_rate_limit: '0',
  });
  const postfix = await startPostfix(etc, port);
  const mail = nodemailer.createTransport({ host: '127.0.0.1', port, pool: true, maxConnections: 4, secure: false, ignoreTLS: true });
  const rates: Record<'on' | 'off', number[]> = { on: [], off: [] };
  try {
    for (let round = 0; round < ROUNDS * 2; round++) {
      const mode = round % 2 === 0 ? 'on' : 'off';
      postfix.postconf('-e', `smtp_tls_policy_maps=${mode === 'on' ? `socketmap:unix:${socket}:mta-sts` : ''}`);
      postfix.postconf('-e', 'smtp_connection_cache_on_demand=no');
      await import('node:child_process').then((cp) => cp.execFileSync('postfix', ['-c', etc, 'reload']));
      const before = sink.count();
      const t = performance.now();
      await Promise.all(
        Array.from({ length: PER_ROUND }, (_, i) =>
          mail.sendMail({ from: 'bench@example.net', to: `r${round}.${i}@remote.example.org`, subject: `${mode} ${i}`, text: 'bench' }),
        ),
      );
      await eventually(() => sink.count() - before >= PER_ROUND, 300_000, `round ${round} delivered`);
      rates[mode].push(PER_ROUND / ((sink.lastAt() - t) / 1000));
    }
  } finally {
    mail.close();
    await postfix.stop();
  }
  const median = (xs: number[]) => pct(xs, 50);
  writeResult('mta-sts', {
    ...resultHeader('mta-sts'),
    lookupMs: {
      cached: { p50: pct(cached, 50), p99: pct(cached, 99), n: cached.length },
      uncached: { p50: pct(uncached, 50), p99: pct(uncached, 99), n: uncached.length },
    },
    throughput: {
      onPerSecond: Math.round(median(rates.on)),
      offPerSecond: Math.round(median(rates.off)),
      rounds: ROUNDS,
      messagesPerRound: PER_ROUND,
    },
    throughputRatio: Math.round((median(rates.on) / median(rates.off)) * 1000) / 1000,
  });
} finally {
  await outbound.close();
  await sink.stop();
  await dns.stop();
  await srv.stop();
  await root.cleanup();
}
