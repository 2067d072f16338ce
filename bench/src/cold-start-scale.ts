// bench/cold-start-scale: how the image's cold start grows with what /srv holds: 1,000, 10,000 and 100,000 mailboxes
// (plus as many aliases, given as MAIL_BOXES__FILE / MAIL_ALIASES__FILE) and a deferred queue of a tenth as many
// messages, by default. Per size: the first start seeds a fresh /srv volume (timed to the 220 banner), the queue is
// filled over SMTP (the next hop does not resolve, so every message stays deferred), and then RUNS times a new
// container of the same image starts on that /srv, as after an upgrade or a `docker compose up --force-recreate`,
// timed from `podman run` to the 220 banner. Needs root, podman, buildah and ip (MTA_INSTALL_IMAGE_TOOLS=1
// scripts/install-deps); builds the mini image when missing. Writes bench/results/cold-start-scale.json.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from '@mta/shared';
import { addRun, curveOf } from './report/curves.ts';
import { resultHeader } from './report/header.ts';
import { writeResult } from './report/write.ts';

process.env.MTA_TEST_IMAGE = '1';
if (process.env.BENCH_REBUILD !== '1') process.env.MTA_TEST_IMAGE_REUSE = '1';
const P = await import('@mta/test/image/podman');

const SIZES = (process.env.BENCH_SIZES ?? '1000,10000,100000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
// Deferred messages per mailbox: a queue of a tenth of the mailboxes.
const QUEUE_SHARE = 0.1;
const START_LIMIT_MS = 600_000;

const why = P.skipReason();
if (why) {
  console.error(`bench cold-start-scale: ${why}`);
  process.exit(2);
}
await P.buildImages(['mini']);
const image = P.imageRef('mini');
const tmp = mkdtempSync(join(tmpdir(), 'mta-bench-cold-start-'));
const ns = P.netns(`mta-bench-cs-${process.pid}`);

// podman run to the 220 banner on port 25.
async function start(name: string, env: Record<string, string>, volumes: string[]) {
  const t0 = performance.now();
  const c = P.startContainer({ name, image, ns: ns.name, env, volumes });
  while (!/^220 /.test(P.greeting(ns.name, 25))) {
    if (performance.now() - t0 > START_LIMIT_MS) throw new Error(`${name}: no 220 within ${START_LIMIT_MS} ms:\n${c.logs().slice(-3000)}`);
    if (!P.state(name).running) throw new Error(`${name}: container exited:\n${c.logs().slice(-3000)}`);
    await sleep(25);
  }
  return { ms: performance.now() - t0, c };
}

// `count` messages over SMTP from inside the container (its own node), a few connections at once, each message
// waiting for its reply; to a domain that does not resolve in the namespace (no network: a temporary DNS failure, not
// an NXDOMAIN that would bounce), so postfix defers them all.
const SENDER = `
const net = require('node:net');
const [count, conns] = process.argv.slice(1).map(Number);
const one = (from, to) => new Promise((resolve, reject) => {
  const s = net.createConnection({ host: '127.0.0.1', port: 25 });
  let buf = '', step = 0, i = from;
  const send = (l) => s.write(l + '\\r\\n');
  s.setEncoding('utf8');
  s.on('error', reject);
  s.on('data', (d) => {
    buf += d;
    for (let n = buf.indexOf('\\r\\n'); n >= 0; n = buf.indexOf('\\r\\n')) {
      const line = buf.slice(0, n); buf = buf.slice(n + 2);
      if (!/^\\d{3} /.test(line)) continue;
      if (!/^[23]/.test(line)) return reject(new Error(line));
      if (step === 0) { send('EHLO bench.example.net'); step = 1; }
      else if (step === 1 || step === 5) {
        if (i >= to) { send('QUIT'); step = 6; continue; }
        send('MAIL FROM:<bench@example.test>'); step = 2;
      } else if (step === 2) { send('RCPT TO:<rcpt' + i + '@remote.example.org>'); step = 3; }
      else if (step === 3) { send('DATA'); step = 4; }
      else if (step === 4) { send('Subject: bench ' + i + '\\r\\nMessage-ID: <bench.' + i + '@example.test>\\r\\n\\r\\nqueued for the bench\\r\\n.'); i++; step = 5; }
      else if (step === 6) { s.destroy(); resolve(); }
    }
  });
});
const per = Math.ceil(count / conns);
Promise.all(Array.from({ length: conns }, (_, k) => one(k * per, Math.min(count, (k + 1) * per))))
  .then(() => console.log('sent', count), (e) => { console.error(e.message); process.exit(1); });
`;

const deferred = (c: ReturnType<typeof P.container>) =>
  Number(
    c.exec('sh', '-c', 'find /var/spool/postfix/deferred /var/spool/postfix/active /var/spool/postfix/incoming -type f | wc -l').out.trim(),
  );

const first = new Map<number, number[]>();
const restart = new Map<number, number[]>();
try {
  for (const size of SIZES) {
    writeFileSync(join(tmp, `boxes-${size}`), Array.from({ length: size }, (_, i) => `user${i}@example.test`).join(' '));
    writeFileSync(
      join(tmp, `aliases-${size}`),
      Array.from({ length: size }, (_, i) => `alias${i}:user${i},user${(i + 1) % size}@example.test`).join(' '),
    );
    const volume = `mta-bench-cs-${process.pid}-${size}`;
    const env = { MAIL_DOMAIN: 'example.test', MAIL_BOXES__FILE: '/run/bench/boxes', MAIL_ALIASES__FILE: '/run/bench/aliases' };
    const volumes = [
      `${volume}:/srv`,
      `${join(tmp, `boxes-${size}`)}:/run/bench/boxes:ro`,
      `${join(tmp, `aliases-${size}`)}:/run/bench/aliases:ro`,
    ];
    P.removeVolume(volume);
    const name = `mta-bench-cs-${process.pid}`;
    try {
      const seeded = await start(name, env, volumes);
      addRun(first, size, seeded.ms);
      const queued = Math.round(size * QUEUE_SHARE);
      const sent = seeded.c.exec('node', '-e', SENDER, String(queued), '8');
      if (sent.status !== 0) throw new Error(`filling the queue: ${sent.out}`);
      const inQueue = deferred(seeded.c);
      if (inQueue < queued) throw new Error(`${queued} sent, ${inQueue} in the queue`);
      for (let run = 0; run < RUNS; run++) {
        P.podman('stop', '-t', '30', name);
        const again = await start(name, env, volumes);
        addRun(restart, size, again.ms);
        console.log(
          `cold-start-scale: ${size} mailboxes, ${deferred(again.c)} queued: start ${again.ms.toFixed(0)} ms (first, seeding: ${seeded.ms.toFixed(0)} ms)`,
        );
      }
    } finally {
      P.container(name).remove();
      P.removeVolume(volume);
    }
  }
} finally {
  ns.remove();
  rmSync(tmp, { recursive: true, force: true });
}

const curves = {
  restart: curveOf('mailboxes (+ as many aliases, a tenth as many queued)', 'new container on that /srv, to 220 (ms)', restart, 1.1),
  firstStart: curveOf('mailboxes (+ as many aliases)', 'first start, seeding a fresh /srv, to 220 (ms)', first, 1.1),
};
const largest = Math.max(...SIZES);
writeResult('cold-start-scale', {
  ...resultHeader('cold-start-scale'),
  image,
  sizes: SIZES,
  queueShare: QUEUE_SHARE,
  runsPerSize: RUNS,
  curves,
  largest: {
    mailboxes: largest,
    queued: Math.round(largest * QUEUE_SHARE),
    restartMs: curves.restart.points.find((p) => p.size === largest)?.value,
  },
});
