import type { Config } from '../env/schema.ts';
import type { RawEnv } from '../env/spec.ts';
import { ErrorCode, MtaError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { FleetIdentity, TrustedSigners } from './identity.ts';

const given = (env: RawEnv, name: string): boolean => !!(env[name] ?? env[`${name}__FILE`])?.trim();

// Fleet mode is opt-in: an explicit NATS_URL and a signing key (MTA_FLEET_KEY) turn it on, so single-node users
// see no change and no node ever shares unsigned entries.
export const fleetEnabled = (env: RawEnv): boolean => given(env, 'NATS_URL') && given(env, 'MTA_FLEET_KEY');

// The identity a sidecar shares with, or undefined outside fleet mode. An explicit NATS_URL without a key is said
// once (events only); a seed with a bad checksum is a configuration error naming MTA_FLEET_KEY.
export async function joinFleet(config: Config, env: RawEnv, log: Logger): Promise<FleetIdentity | undefined> {
  if (!given(env, 'NATS_URL')) return undefined;
  if (!fleetEnabled(env) || !config.MTA_FLEET_KEY) {
    log.info(
      { event: 'fleet.off' },
      'NATS_URL is set without MTA_FLEET_KEY: events only; DKIM keys, certificates and learning are not shared',
    );
    return undefined;
  }
  try {
    return await FleetIdentity.load(config.MTA_FLEET_KEY, config.MTA_NODE, config.MTA_FLEET_TRUST ?? []);
  } catch (e) {
    throw new MtaError(ErrorCode.Config, `MTA_FLEET_KEY: not a valid NKEY user seed (${(e as Error).message})`);
  }
}

// Whether another node's heartbeats can count here: a fleet bus (explicit NATS_URL) and keys to trust. Needs no
// signing key, so a process that only reads heartbeats (metrics) can run without MTA_FLEET_KEY.
export const fleetPeersVisible = (env: RawEnv, config: Config): boolean =>
  given(env, 'NATS_URL') && (config.MTA_FLEET_TRUST?.length ?? 0) > 0;

// The keys whose fleet messages a reader accepts: MTA_FLEET_TRUST, and this node's own key when MTA_FLEET_KEY is
// given (its signed heartbeats are then its own node's). Needs no private key otherwise.
export async function fleetSigners(config: Config): Promise<TrustedSigners> {
  const trust = config.MTA_FLEET_TRUST ?? [];
  if (config.MTA_FLEET_KEY)
    try {
      return (await FleetIdentity.load(config.MTA_FLEET_KEY, config.MTA_NODE, trust)).signers;
    } catch {
      // A seed with a bad checksum is reported by the sidecars that sign; reading goes on with the trust list.
    }
  return TrustedSigners.load(trust);
}
