import { mtaPaths, startSidecar } from '@mta/shared';
import { startAcmeWatch } from './start.ts';

// acme-watch: Traefik acme.json -> validated certificate for postfix and dovecot, rotated without restarts.
const { config, log, bus, life } = startSidecar('acme-watch');
const paths = mtaPaths();
if (config.ACME_SOURCE === 'fleet')
  log.warn({ event: 'acme.source' }, 'ACME_SOURCE=fleet is handled by the fleet sidecar; watching ACME_FILE too');
const watching = startAcmeWatch({
  file: config.ACME_FILE,
  hostname: config.HOSTNAME,
  mailDomains: config.MAIL_DOMAIN ?? [],
  resolver: config.ACME_RESOLVER || undefined,
  hook: config.ACME_POSTHOOK,
  hookTimeoutMs: config.ACME_POSTHOOK_TIMEOUT * 1000,
  targets: { acmeDir: paths.acmeDir, postfixConf: paths.postfixConf, dovecotTls: paths.dovecotTls, dovecotConf: paths.dovecotConf },
  log,
  bus,
});
life.onShutdown(() => watching.close());
