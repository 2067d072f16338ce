import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { renderFilter } from '@mta/seed/amavis/index';
import { filterLayout } from '@mta/seed/amavis/layout';
import { renderSrs, srsRenderer } from '@mta/seed/postfix/srs';
import { renderers } from '@mta/seed/renderers';
import { freePort } from '@mta/shared';
import { startDns } from '../harness/dns.ts';
import { eventually, fileScope, type SeededPostfix, type Sink, seededPostfix, startPostsrsd, startSink, swaks } from '../harness/index.ts';
import { amavisFilter, startFilterDaemons } from './chain.ts';
import { headerOf } from './messages.ts';

const cleanups = fileScope();

// The full variant: every message goes through amavis first (content_filter), and forwarded mail then takes the SRS
// pass. The pass must not send it through amavis a second time, and the local copy keeps its sender.
describe('SRS behind the content filter (real amavis)', { timeout: 300_000 }, () => {
  let mta: SeededPostfix;
  let sink: Sink;
  before(async () => {
    const dns = cleanups.keep(await startDns());
    sink = cleanups.keep(await startSink());
    const srs = { forward: await freePort(), reverse: await freePort(), reinject: await freePort() };
    const filter = await amavisFilter(await cleanups.dir());
    mta = cleanups.keep(
      await seededPostfix({
        variant: 'full',
        renderers: renderers.map((r) => (r === renderFilter ? filter.renderer : r === renderSrs ? srsRenderer(srs) : r)),
        env: {
          MAIL_DOMAIN: 'example.com',
          MAIL_BOXES: 'box@example.com',
          MAIL_ALIASES: 'both:box,bob@remote.test',
          SRS: 'yes',
          // No DKIM/DMARC milters run here (test/src/dmarc/ runs them): port 25 would defer every message.
          DMARC_POLICY: 'off',
          SMTP_RELAY_HOSTAUTH: `[127.0.0.1]:${sink.port}`,
          SMTP_TLS_SECURITY_LEVEL: 'none',
          MYNETWORKS: '127.0.0.1/32',
        },
      }),
    );
    cleanups.keep(await startPostsrsd(mta.paths));
    const daemons = await startFilterDaemons({
      root: mta.root,
      layout: filterLayout(mta.paths),
      dns,
      amavisLog: filter.amavisLog,
      amavisPort: filter.amavisPort,
    });
    cleanups.defer(() => daemons.clamd.stop());
    cleanups.defer(() => daemons.amavis.stop());
  });

  test('one message to a local box and a forwarded address: scanned once, the local copy keeps its sender, the forward leaves with SRS', async () => {
    const r = swaks([
      ...['--server', `127.0.0.1:${mta.port}`, '--local-interface', '127.0.0.2'],
      ...['--from', 'carol@ext.test', '--to', 'both@example.com', '--body', 'srs-filter-1'],
    ]);
    assert.equal(r.status, 0, r.output);
    const out = await eventually(() => sink.mails.find((m) => m.raw.includes('srs-filter-1')), 90_000, 'forwarded copy');
    assert.match(out.from, /^SRS0=[A-Za-z0-9+/]{4}=[A-Z2-7]{2}=ext\.test=carol@example\.com$/i);
    assert.deepEqual(out.to, ['bob@remote.test']);
    assert.equal(headerOf(out.raw, 'X-Virus-Scanned').length, 1, 'amavis saw it once');
    const box = join(mta.paths.mail, 'box@example.com');
    const local = await eventually(
      () =>
        existsSync(box)
          ? readFileSync(box, 'utf8')
              .split(/^From /m)
              .find((m) => m.includes('srs-filter-1'))
          : undefined,
      90_000,
      'local copy',
    );
    assert.match(local, /^Return-Path: <carol@ext\.test>$/m);
  });
});
