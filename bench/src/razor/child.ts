// One case of bench/razor-offline, run inside the bench's network namespace (`ip netns exec`): the filter chain with
// Razor set up as the case says, N messages one after the other, each timed from the first SMTP byte to the next
// hop. Prints one JSON line.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFilterChain } from '../../../test/src/filter/chain.ts';
import { startDns } from '../../../test/src/harness/dns.ts';
import { eventually } from '../../../test/src/harness/net.ts';

const [which, gated, count] = process.argv.slice(2);
const N = Number(count ?? 10);
const CACHED = '192.0.2.10';
// The resolver /etc/resolv.conf names in the namespace (127.0.0.1 for nxdomain and dropped): every name is unknown.
const dns = await startDns({}, 53);
const c = await startFilterChain({
  env: {},
  beforeStart: (root) => {
    // After local.cf (SpamAssassin reads the *.cf files in name order): Razor off, or the bound off.
    const extra = [which === 'off' ? 'use_razor2 0' : '', gated === '1' ? '' : 'mta_razor_down_secs 0'].join('\n');
    writeFileSync(join(root, 'etc/spamassassin/zz-bench.cf'), `${extra}\n`);
    const home = join(root, 'var/amavis/.razor');
    rmSync(join(home, 'servers.discovery.lst'), { force: true });
    // Razor's defaults: servers found through DNS (discovery.razor.cloudmark.com), cached in its home.
    writeFileSync(join(home, 'razor-agent.conf'), `razorhome = ${home}\nlogfile = ${join(root, 'razor.log')}\ndebuglevel = 0\n`);
    if (which === 'dropped')
      for (const list of ['discovery', 'nomination', 'catalogue']) writeFileSync(join(home, `servers.${list}.lst`), `${CACHED}\n`);
  },
});
try {
  const ms: number[] = [];
  for (let i = 0; i < N; i++) {
    const subject = `razor-${which}-${i}`;
    const t0 = performance.now();
    const r = await c.mail('alice@remote.test', 'bob@example.com', subject, 'An ordinary message, for Razor to look up.');
    if (r.status !== 0) throw new Error(r.output);
    await eventually(() => c.sink.mails.some((m) => m.raw.includes(subject)), 120_000, subject);
    ms.push(Math.round(performance.now() - t0));
  }
  const sorted = [...ms].sort((a, b) => a - b);
  const mean = Math.round(ms.reduce((a, b) => a + b, 0) / N);
  const skipped = /no Razor server answered; Razor is skipped/.test(c.amavis.output());
  process.stdout.write(
    `${JSON.stringify({ case: which, gated: gated === '1', ms, meanMs: mean, medianMs: sorted[Math.floor(N / 2)], gateOpened: skipped })}\n`,
  );
} finally {
  await c.stop();
  await dns.stop();
}
