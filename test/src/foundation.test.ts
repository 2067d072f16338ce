import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Bus } from '@mta/shared';
import { eventually, fileScope, freePort, postfixIds, scaffoldConfig, startNats, startPostfix, swaks } from './harness/index.ts';

const cleanups = fileScope();

test('bus: a client started before the server publishes once the server appears', async () => {
  const port = await freePort();
  const url = `nats://127.0.0.1:${port}`;
  const publisher = Bus.start({ servers: [url], name: 'pub', node: 'n1' });
  cleanups.defer(() => publisher.close());
  publisher.publish('mta.test.early', { n: 1 });
  const t0 = performance.now();
  publisher.publish('mta.test.early', { n: 2 });
  assert.ok(performance.now() - t0 < 10);

  const nats = cleanups.keep(await startNats({ port }));
  const subscriber = Bus.start({ servers: [url], name: 'sub', node: 'n2' });
  cleanups.defer(() => subscriber.close());
  const got: unknown[] = [];
  subscriber.subscribe('mta.test.>', (d) => got.push(d));
  await subscriber.connection();
  await publisher.connection();
  publisher.publish('mta.test.live', { n: 3 });
  const live = await eventually(() => got.find((g) => (g as { n: number }).n === 3), 10_000, 'live message');
  assert.equal((live as { node: string }).node, 'n1');
  assert.match((live as { at: string }).at, /^\d{4}-\d\d-\d\dT/);

  // Restarting the server: the client reconnects and publishing resumes.
  await nats.restart();
  await eventually(
    () => {
      publisher.publish('mta.test.after', { n: 4 });
      return got.some((g) => (g as { n: number }).n === 4);
    },
    15_000,
    'publish after server restart',
  );
});

test('postfix: accepts a message on 127.0.0.1 and delivers it to a local mailbox', async () => {
  const dir = await cleanups.dir();
  const port = await freePort();
  const { uid, gid } = postfixIds();
  const mail = join(dir, 'mail');
  const etc = scaffoldConfig(dir, port, {
    myhostname: 'mx.example.com',
    mydestination: '',
    virtual_mailbox_domains: 'example.com',
    virtual_mailbox_base: mail,
    virtual_mailbox_maps: 'inline:{ info@example.com=info@example.com }',
    virtual_uid_maps: `static:${uid}`,
    virtual_gid_maps: `static:${gid}`,
  });
  const { mkdirSync, chownSync } = await import('node:fs');
  mkdirSync(mail);
  chownSync(mail, uid, gid);
  const _pf = cleanups.keep(await startPostfix(etc, port));

  const ok = swaks(['--server', `127.0.0.1:${port}`, '--from', 'a@sender.test', '--to', 'info@example.com', '--body', 'hello foundation']);
  assert.equal(ok.status, 0, ok.output);
  const unknown = swaks(['--server', `127.0.0.1:${port}`, '--from', 'a@sender.test', '--to', 'nobody@example.com']);
  assert.match(unknown.output, /550 5\.1\.1/);

  const box = join(mail, 'info@example.com');
  await eventually(
    () => readdirSync(mail).includes('info@example.com') && readFileSync(box, 'utf8').includes('hello foundation'),
    15_000,
    'delivery',
  );
});
