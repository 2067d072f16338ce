import { join } from 'node:path';
import { joinFleet, MtaError, mtaPaths, startHeartbeat, startSidecar } from '@mta/shared';
import { CertPublisher, startFleetCerts } from './fleet-sync.ts';
import { installOnce, startAcmeWatch } from './start.ts';

// acme-watch: Traefik acme.json -> validated certificate for postfix and dovecot, rotated without restarts.
// Fleet mode (NATS_URL + MTA_FLEET_KEY): ACME_SOURCE=file also publishes to KV mta-certs, ACME_SOURCE=fleet
// installs from it.
// `--once`: the entry step, one pass before the daemons start.
const once = process.argv.includes('--once');
const { config, env, log, bus, life } = startSidecar('acme-watch');
const paths = mtaPaths();
const seenFile = join(paths.run, 'acme-watch', 'seen.json');
const connection = () => bus.connection();
const common = {
  hostname: config.HOSTNAME,
  mailDomains: config.MAIL_DOMAIN ?? [],
  resolver: config.ACME_RESOLVER || undefined,
  hook: config.ACME_POSTHOOK,
  hookTimeoutMs: config.ACME_POSTHOOK_TIMEOUT * 1000,
  targets: { acmeDir: paths.acmeDir, postfixConf: paths.postfixConf, dovecotTls: paths.dovecotTls, dovecotConf: paths.dovecotConf },
  log,
  bus,
};
if (once) {
  const outcome = await installOnce({ ...common, file: config.ACME_FILE, seenFile }).catch((e) => {
    // Not fatal: the daemons start with the configured certificate and the service tries again.
    const err = MtaError.from(e);
    log.error({ event: 'acme.failed', code: err.code, err: err.message }, 'certificate not installed at start');
    return 'failed';
  });
  log.info({ event: 'acme.once', outcome }, `acme entry step: ${outcome}`);
  // Give the bus a moment to flush the install event; NATS being down must not hold up the start.
  await Promise.race([bus.connection().catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
  await life.shutdown(0, 'done');
}
const identity = await joinFleet(config, env, log).catch(async (e) => {
  log.fatal({ event: 'acme.fatal', err: (e as Error).message }, 'acme-watch cannot start');
  return life.shutdown(1, 'fatal');
});
if (config.ACME_SOURCE === 'fleet' && !identity)
  log.warn({ event: 'acme.source' }, 'ACME_SOURCE=fleet needs NATS_URL (fleet mode); watching ACME_FILE instead');
let running: { service: { served: { serial: string; notAfter: string } | undefined }; close: () => Promise<void> };
if (identity && config.ACME_SOURCE === 'fleet')
  running = startFleetCerts({ ...common, connection, identity, fleetCa: config.MTA_FLEET_CA });
else {
  const publisher = identity ? new CertPublisher(connection, log, identity) : undefined;
  running = startAcmeWatch({ ...common, file: config.ACME_FILE, seenFile, onServed: publisher && ((c) => publisher.offer(c)) });
  if (publisher) life.onShutdown(() => publisher.close());
}
life.onShutdown(() => running.close());
// `mta fleet status`: which certificate this node serves (public facts only).
if (identity)
  life.onShutdown(
    startHeartbeat(bus, () => ({
      sidecar: 'acme-watch',
      certSerial: running.service.served?.serial,
      certNotAfter: running.service.served?.notAfter,
    })),
  );
