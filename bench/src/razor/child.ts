// One case of bench/razor-offline, run inside the bench's network namespace (`ip netns exec`): two filter chains, one
// with Razor set up as the case says and one with Razor off, and N messages sent to each in turn, one at a time, each
// timed from the first SMTP byte to the next hop; so both see the same host load. Prints one JSON line.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FilterChain, startFilterChain } from '@mta/test/filter/chain';
import { startDns } from '@mta/test/harness/dns';
import { eventually } from '@mta/test/harness/net';

const [which, gated, count] = process.argv.slice(2);
const N = Number(count ?? 10);
const CACHED = '192.0.2.10';
// The resolver /etc/resolv.conf names in the namespace (127.0.0.1 for nxdomain and dropped): every name is unknown.
const dns = await startDns({}, 53);

const chain = (razor: boolean) =>
  startFilterChain({
    env: {},
    beforeStart: (root) => {
      // After local.cf (SpamAssassin reads the *.cf files in name order): Razor off, or the bound off.
      const extra = [razor ? '' : 'use_razor2 0', gated === '1' ? '' : 'mta_razor_down_secs 0'].join('\n');
      writeFileSync(join(root, 'etc/spamassassin/zz-bench.cf'), `${extra}\n`);
      const home = join(root, 'var/amavis/.razor');
      rmSync(join(home, 'servers.discovery.lst'), { force: true });
      // Razor's defaults: servers found through DNS (discovery.razor.cloudmark.com), cached in its home.
      writeFileSync(join(home, 'razor-agent.conf'), `razorhome = ${home}\nlogfile = ${join(root, 'razor.log')}\ndebuglevel = 0\n`);
      if (which === 'dropped')
        for (const list of ['discovery', 'nomination', 'catalogue']) writeFileSync(join(home, `servers.${list}.lst`), `${CACHED}\n`);
    },
  });

async function timed(c: FilterChain, subject: string): Promise<number> {
  const t0 = performance.now();
  const r = await c.mail('alice@remote.test', 'bob@example.com', subject, 'An ordinary message, for Razor to look up.');
  if (r.status !== 0) throw new Error(r.output);
  await eventually(() => c.sink.mails.some((m) => m.raw.includes(subject)), 120_000, subject);
  return Math.round(performance.now() - t0);
}

const razor = await chain(true);
const off = await chain(false);
try {
  // One message each first: SpamAssassin compiles its rules in each amavis child on first use.
  await timed(off, 'razor-warm-off');
  const ms: number[] = [];
  const offMs: number[] = [];
  for (let i = 0; i < N; i++) {
    ms.push(await timed(razor, `razor-${which}-${i}`));
    offMs.push(await timed(off, `razor-off-${i}`));
  }
  const gateOpened = /no Razor server answered; Razor is skipped/.test(razor.amavis.output());
  process.stdout.write(`${JSON.stringify({ case: which, gated: gated === '1', ms, offMs, gateOpened })}\n`);
} finally {
  await razor.stop();
  await off.stop();
  await dns.stop();
}
