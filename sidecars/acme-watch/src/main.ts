import { join } from 'node:path';
import {
  CERTS_BUCKET,
  type DovecotSyntax,
  joinFleet,
  MtaError,
  openLedger,
  runSidecar,
  type SidecarContext,
  seededDovecotSyntax,
  startHeartbeat,
} from '@mta/shared';
import { CertPublisher, startFleetCerts } from './fleet-sync.ts';
import { installOnce, startAcmeWatch } from './start.ts';

// acme-watch: Traefik acme.json -> validated certificate for postfix and dovecot, rotated without restarts.
// Fleet mode (NATS_URL + MTA_FLEET_KEY): ACME_SOURCE=file also publishes to KV mta-certs, ACME_SOURCE=fleet
// installs from it.
// `--once`: the entry step, one pass before the daemons start.
const seenFile = (ctx: SidecarContext) => join(ctx.paths.run, 'acme-watch', 'seen.json');

// dovecotSyntax: the seeded dovecot files' (the effective configuration's daemons fact), read once per process.
const common = ({ config, log, bus, paths }: SidecarContext, dovecotSyntax: DovecotSyntax) => ({
  hostname: config.HOSTNAME,
  mailDomains: config.MAIL_DOMAIN ?? [],
  resolver: config.ACME_RESOLVER || undefined,
  hook: config.ACME_POSTHOOK,
  hookTimeoutMs: config.ACME_POSTHOOK_TIMEOUT * 1000,
  targets: {
    acmeDir: paths.acmeDir,
    postfixConf: paths.postfixConf,
    dovecotTls: paths.dovecotTls,
    dovecotConf: paths.dovecotConf,
    dovecotSyntax,
  },
  log,
  bus,
});

await runSidecar({
  name: 'acme-watch',
  failEvent: 'acme.fatal',
  once: async (ctx) => {
    const outcome = await installOnce({
      ...common(ctx, await seededDovecotSyntax(ctx.paths)),
      file: ctx.config.ACME_FILE,
      seenFile: seenFile(ctx),
    }).catch((e) => {
      // Not fatal: the daemons start with the configured certificate and the service tries again.
      const err = MtaError.from(e);
      ctx.log.error({ event: 'acme.failed', code: err.code, err: err.message }, 'certificate not installed at start');
      return 'failed';
    });
    ctx.log.info({ event: 'acme.once', outcome }, `acme entry step: ${outcome}`);
    return 0;
  },
  service: async (ctx) => {
    const { config, env, log, bus } = ctx;
    const seeded = common(ctx, await seededDovecotSyntax(ctx.paths));
    const connection = () => bus.connection();
    const identity = await joinFleet(config, env, log);
    if (config.ACME_SOURCE === 'fleet' && !identity)
      log.warn({ event: 'acme.source' }, 'ACME_SOURCE=fleet needs NATS_URL (fleet mode); watching ACME_FILE instead');
    const ledger = identity && (await openLedger(ctx.paths.fleetState, CERTS_BUCKET, identity, log));
    const publish = (s: string, p: Record<string, unknown>) => bus.publish(s, p);
    const publisher =
      identity && ledger && config.ACME_SOURCE !== 'fleet' ? new CertPublisher(connection, log, identity, ledger, publish) : undefined;
    const running =
      identity && ledger && config.ACME_SOURCE === 'fleet'
        ? startFleetCerts({ ...seeded, connection, identity, ledger, fleetCa: config.MTA_FLEET_CA })
        : startAcmeWatch({
            ...seeded,
            file: config.ACME_FILE,
            seenFile: seenFile(ctx),
            onServed: publisher && ((c) => publisher.offer(c)),
          });
    // `mta fleet status`: which certificate this node serves (public facts only).
    const stopBeat = identity
      ? startHeartbeat(bus, identity, () => ({
          sidecar: 'acme-watch',
          certSerial: running.service.served?.serial,
          certNotAfter: running.service.served?.notAfter,
        }))
      : undefined;
    return async () => {
      stopBeat?.();
      await running.close();
      await publisher?.close();
    };
  },
});
