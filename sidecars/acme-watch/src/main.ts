import { fleetEnabled, mtaPaths, startHeartbeat, startSidecar } from '@mta/shared';
import { CertPublisher, startFleetCerts } from './fleet-sync.ts';
import { startAcmeWatch } from './start.ts';

// acme-watch: Traefik acme.json -> validated certificate for postfix and dovecot, rotated without restarts.
// Fleet mode (explicit NATS_URL): ACME_SOURCE=file also publishes to KV mta-certs, ACME_SOURCE=fleet installs from it.
const { config, env, log, bus, life } = startSidecar('acme-watch');
const paths = mtaPaths();
const fleet = fleetEnabled(env);
const node = config.MTA_NODE ?? 'mta';
const connection = () => bus.connection();
if (config.ACME_SOURCE === 'fleet' && !fleet)
  log.warn({ event: 'acme.source' }, 'ACME_SOURCE=fleet needs NATS_URL (fleet mode); watching ACME_FILE instead');
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
let running: { service: { served: { serial: string; notAfter: string } | undefined }; close: () => Promise<void> };
if (fleet && config.ACME_SOURCE === 'fleet') running = startFleetCerts({ ...common, connection });
else {
  const publisher = fleet ? new CertPublisher(connection, log, node) : undefined;
  running = startAcmeWatch({ ...common, file: config.ACME_FILE, onServed: publisher && ((c) => publisher.offer(c)) });
  if (publisher) life.onShutdown(() => publisher.close());
}
life.onShutdown(() => running.close());
// `mta fleet status`: which certificate this node serves (public facts only).
if (fleet)
  life.onShutdown(
    startHeartbeat(bus, () => ({
      sidecar: 'acme-watch',
      certSerial: running.service.served?.serial,
      certNotAfter: running.service.served?.notAfter,
    })),
  );
