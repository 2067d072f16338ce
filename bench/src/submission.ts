// bench/submission: what the submission sender check costs per message. A real seeded postfix (the mta-sender-check
// smtpd, main.cf's sender restrictions and login maps, an LDAP directory) and the real sender-milter; a stand-in for
// postfix's side of the milter protocol times end of headers -> answer. Cases: no sender field (the protocol alone),
// one owned From (the common case), From + Sender of two logins in turn (XCLIENT each time), a refused From, and an
// LDAP login's From (postfix asks the directory). Writes bench/results/submission.json; targets in report/catalog.ts.
import { join } from 'node:path';
import { LDAP_LOOKUP_ENV, LDAP_READER, MilterClient, seededPostfix, startSlapd, tempRoot } from '@mta/test/harness/index';
import { resultHeader } from './report/header.ts';
import { writeResult } from './report/write.ts';

const N = Number(process.env.MESSAGES ?? 400);
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? Number.NaN;
const ms = (x: number) => Number(x.toFixed(2));

const tmp = await tempRoot('mta-bench-submission-');
const slapd = await startSlapd(tmp.dir, { bindRequired: true });
const mta = await seededPostfix({
  env: {
    MAIL_DOMAIN: 'example.com',
    SMTPD_USE_TLS: 'yes',
    VIRTUAL_TRANSPORT: 'lmtp:unix:private/transport',
    SMTPD_SASL_CLIENTAUTH: 'app:{plain}a app2:{plain}b',
    SMTPD_SASL_SENDERS: 'app:app@example.com app2:@example.com',
    LDAP_HOST: slapd.url,
    LDAP_QUERY_ATTRS_PASS: 'uid=user',
    LDAP_BIND_DN: LDAP_READER.dn,
    LDAP_BIND_PW: LDAP_READER.password,
    ...LDAP_LOOKUP_ENV,
  },
});
const cases: Record<string, [string, [string, string][]]> = {
  noSenderField: ['app', [['Subject', 'x']]],
  ownedFrom: ['app', [['From', 'App <app@example.com>']]],
  refusedFrom: ['app', [['From', 'Boss <boss@example.com>']]],
  ldapFrom: ['alice', [['From', 'Alice <alice@example.com>']]],
};
const out: Record<string, { p50Ms: number; p99Ms: number }> = {};
try {
  const socket = join(mta.paths.senderMilterRun, 'milter.sock');
  const client = await MilterClient.open(socket);
  const time = async (login: string, headers: [string, string][]) => {
    const t0 = performance.now();
    const reply = await client.message(login, 'x@example.com', headers);
    return { ms: performance.now() - t0, reply };
  };
  // Warm-up: module loading, the first check session, smtpd's table handles.
  for (const [login, headers] of Object.values(cases)) await time(login, headers);
  for (const [name, [login, headers]] of Object.entries(cases)) {
    const samples: number[] = [];
    for (let i = 0; i < N; i++) {
      const r = await time(login, headers);
      const want = name === 'refusedFrom' ? /^y550 5\.7\.1 / : /^a$/;
      if (!want.test(r.reply)) throw new Error(`${name}: unexpected answer ${r.reply}`);
      samples.push(r.ms);
    }
    out[name] = { p50Ms: ms(pct(samples, 50)), p99Ms: ms(pct(samples, 99)) };
  }
  // Two logins in turn: each message re-sets the check session's login (XCLIENT + EHLO).
  const alternating: number[] = [];
  for (let i = 0; i < N; i++) {
    const r = await time(i % 2 ? 'app' : 'app2', [
      ['From', 'app@example.com'],
      ['Sender', 'app@example.com'],
    ]);
    if (r.reply !== 'a') throw new Error(`alternating: ${r.reply}`);
    alternating.push(r.ms);
  }
  out.alternatingLogins = { p50Ms: ms(pct(alternating, 50)), p99Ms: ms(pct(alternating, 99)) };
  client.close();
} finally {
  await mta.stop();
  await slapd.stop();
  await tmp.cleanup();
}

writeResult('submission', {
  ...resultHeader('submission'),
  messagesPerCase: N,
  decision: out,
  // What the check adds to a message whose From the login owns, over the protocol alone.
  ownedFromOverheadMs: ms((out.ownedFrom?.p50Ms ?? Number.NaN) - (out.noSenderField?.p50Ms ?? Number.NaN)),
});
