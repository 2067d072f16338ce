import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BANNED_CASES, DECODER_TYPES, decoderLine, verdictLine } from '../filter/banned-cases.ts';
import { eventually, tempRoot } from '../harness/index.ts';
import {
  buildImages,
  type Container,
  healthy,
  imageRef,
  mailIn,
  netns,
  podman,
  removeVolume,
  skipReason,
  startContainer,
  VARIANTS,
} from './podman.ts';

// The content filter of the full image: banned attachments through the running image, and ClamAV signatures from a
// read-only volume (an updater elsewhere owns them), mounted where users mount them.
const skip = skipReason() ?? (VARIANTS.includes('full') ? undefined : 'needs the full image (MTA_TEST_IMAGE_VARIANTS)');
const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
// A second test "virus" the updater adds later; clamd must pick it up by itself (SelfCheck).
const LATER = 'mta read-only signature volume: a signature added by the updater';
const hdb = (text: string, name: string) => `${createHash('md5').update(text).digest('hex')}:${Buffer.byteLength(text)}:${name}\n`;

before(
  async () => {
    if (!skip) await buildImages(['full']);
  },
  { timeout: 45 * 60_000 },
);

// amavis's verdict on one message, from docker logs.
const verdictOf = (c: Container, id: string) =>
  c
    .logs()
    .split('\n')
    .find((l) => l.includes(`Message-ID: <${id}@mta-test>`) && /\b(Passed|Blocked) /.test(l));

describe('image full: content filter', { skip, concurrency: false }, () => {
  const tag = `${process.pid}-filter`;
  const cleanups: (() => unknown)[] = [];
  let ns: ReturnType<typeof netns>;
  let c: Container;
  let work = '';
  let sigs = '';
  before(async () => {
    ns = netns(`mta-f-${tag}`);
    cleanups.push(() => ns.remove());
    const tmp = await tempRoot('mta-image-filter-');
    cleanups.push(() => tmp.cleanup());
    work = tmp.dir;
    chmodSync(work, 0o755);
    sigs = join(work, 'signatures');
    mkdirSync(sigs);
    writeFileSync(join(sigs, 'test.hdb'), hdb(EICAR, 'Eicar-Test-Signature'), { mode: 0o644 });
    chmodSync(sigs, 0o755);
    const name = `mta-test-${tag}`;
    cleanups.push(() => removeVolume(`${name}-srv`));
    c = startContainer({
      name,
      image: imageRef('full'),
      ns: ns.name,
      env: { MAIL_BOXES: 'info@example.test', MYNETWORKS: '127.0.0.0/8' },
      // Read-only where users mount them; the image links /var/lib/clamav into /srv.
      volumes: [`${name}-srv:/srv`, `${sigs}:/var/lib/clamav:ro`],
    });
    cleanups.push(() => c.remove());
    await healthy(c);
  });
  after(() => {
    if (c && process.env.MTA_TEST_IMAGE_LOGS === '1') console.log(c.logs());
    for (const fn of cleanups.reverse()) fn();
  });

  it("lists file(1) and a decoder for every archive type in amavis's start log", () => {
    const logs = c.logs();
    assert.match(logs, /Found \$file +at \/usr\/bin\/file/);
    for (const t of DECODER_TYPES) assert.match(logs, decoderLine(t), `no decoder for .${t}`);
  });

  it('sends every banned-attachment case through the image and shows the verdict', async () => {
    const verdicts: string[] = [];
    for (const k of BANNED_CASES) {
      const id = `banned-${k.id}`;
      const file = join(work, `${k.id}-${k.file}`);
      writeFileSync(file, k.content());
      const r = mailIn(ns.name, 'sender@remote.test', 'info@example.test', id, [
        '--header',
        `Message-Id: <${id}@mta-test>`,
        '--body',
        'see attachment',
        '--attach-type',
        k.type ?? 'application/octet-stream',
        '--attach-name',
        k.file,
        '--attach',
        `@${file}`,
      ]);
      assert.equal(r.status, 0, r.out);
      const line = await eventually(() => verdictOf(c, id), 120_000, `amavis verdict on ${id}`);
      verdicts.push(
        `${k.id} (${k.file}${k.type ? `, ${k.type}` : ''}): ${/\b(Passed|Blocked) \S+ (\([^)]*\) )?\{[^}]*\}/.exec(line)?.[0]}`,
      );
      assert.match(line, verdictLine(k.verdict), line);
    }
    console.log(`amavis's verdicts:\n  ${verdicts.join('\n  ')}`);
    const ls = c.exec('mta', 'quarantine', 'ls', '--json');
    assert.equal(ls.status, 0, ls.out);
    const listed = ls.out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { subject: string; reason: string });
    for (const k of BANNED_CASES.filter((x) => x.verdict === 'banned')) {
      const q = listed.find((e) => e.subject === `banned-${k.id}`);
      assert.match(q?.reason ?? '', /^BANNED/, `mta quarantine ls lists banned-${k.id}`);
    }
  });

  it('read-only signatures at /var/lib/clamav: used as they are, freshclam not started, nothing chowned', async () => {
    const logs = c.logs();
    assert.doesNotMatch(c.exec('ls', '/etc/service').out, /freshclam/);
    assert.equal((logs.match(/not started: freshclam \(\/var\/lib\/clamav is read-only: /g) ?? []).length, 1, logs);
    assert.doesNotMatch(logs, /EROFS|fchown|read-only file system/i);
    assert.match(logs, /var\/lib\/clamav is read-only: used as it is/);
    const token = `eicar-ro-${tag}`;
    const file = join(work, 'eicar.com');
    writeFileSync(file, EICAR);
    const r = mailIn(ns.name, 'sender@remote.test', 'info@example.test', token, [
      '--attach-type',
      'application/octet-stream',
      '--attach',
      `@${file}`,
    ]);
    assert.equal(r.status, 0, r.out);
    await eventually(
      () => /Blocked INFECTED \(Eicar-Test-Signature/.test(c.logs()),
      120_000,
      'clamd found EICAR with the mounted signatures',
    );
  });

  it('clamd picks up a file the updater replaces inside the read-only mount (SelfCheck)', async () => {
    // SelfCheck is every 10 minutes; 5 s here, then clamd restarted to read it.
    const conf = c.exec('sed', '-i', 's/^SelfCheck .*/SelfCheck 5/', '/etc/clamav/clamd.conf');
    assert.equal(conf.status, 0, conf.out);
    c.exec('sv', 'restart', '/etc/service/clamd');
    await healthy(c, 120_000);
    // The updater's side: a new file, renamed over the old one (what freshclam and rsync do).
    writeFileSync(join(sigs, '.test.hdb.new'), hdb(EICAR, 'Eicar-Test-Signature') + hdb(LATER, 'Mta-Later-Signature'), { mode: 0o644 });
    renameSync(join(sigs, '.test.hdb.new'), join(sigs, 'test.hdb'));
    await eventually(() => /SelfCheck: Database modification detected\. Forcing reload\./.test(c.logs()), 60_000, 'clamd saw the change');
    const token = `later-ro-${tag}`;
    const file = join(work, 'later.txt');
    writeFileSync(file, LATER);
    await eventually(
      () => {
        const r = mailIn(ns.name, 'sender@remote.test', 'info@example.test', `${token}-${Date.now()}`, [
          '--attach-type',
          'application/octet-stream',
          '--attach',
          `@${file}`,
        ]);
        if (r.status !== 0) throw new Error(r.out);
        return true;
      },
      10_000,
      'sent',
    );
    await eventually(() => /Blocked INFECTED \(Mta-Later-Signature/.test(c.logs()), 120_000, 'the new signature in use');
  });
});

describe('image full: read-only signatures at /srv/var/lib/clamav', { skip, concurrency: false }, () => {
  it('starts, clamd loads them, freshclam is not started, nothing chowned', async () => {
    const tag = `${process.pid}-srvro`;
    const ns = netns(`mta-r-${tag}`);
    const tmp = await tempRoot('mta-image-srvro-');
    const name = `mta-test-${tag}`;
    try {
      chmodSync(tmp.dir, 0o755);
      const sigs = join(tmp.dir, 'signatures');
      mkdirSync(sigs);
      writeFileSync(join(sigs, 'test.hdb'), hdb(EICAR, 'Eicar-Test-Signature'), { mode: 0o644 });
      chmodSync(sigs, 0o777);
      const c = startContainer({
        name,
        image: imageRef('full'),
        ns: ns.name,
        env: { MAIL_BOXES: 'info@example.test' },
        volumes: [`${name}-srv:/srv`, `${sigs}:/srv/var/lib/clamav:ro`],
      });
      await healthy(c);
      const logs = c.logs();
      assert.match(logs, /not started: freshclam \(\/var\/lib\/clamav is read-only: /);
      assert.doesNotMatch(logs, /EROFS|fchown|read-only file system/i);
      // The mount kept the updater's owner and mode.
      assert.match(c.exec('stat', '-c', '%a %u', '/srv/var/lib/clamav').out, /^777 0$/m);
      assert.match(c.exec('sh', '-c', 'sv status /etc/service/clamd').out, /^run: /);
    } finally {
      podman('rm', '-f', '-v', '-t', '0', name);
      removeVolume(`${name}-srv`);
      ns.remove();
      await tmp.cleanup();
    }
  });
});
