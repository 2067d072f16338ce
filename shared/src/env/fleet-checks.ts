import type { Config } from './schema.ts';

// The fleet variables that only make sense together; each issue names the variable to change.
export function fleetChecks(c: Config): { variable: string; message: string }[] {
  const out: { variable: string; message: string }[] = [];
  if (c.NATS_TLS_CERT && !c.NATS_TLS_KEY) out.push({ variable: 'NATS_TLS_KEY', message: 'required when NATS_TLS_CERT is set' });
  if (c.NATS_TLS_KEY && !c.NATS_TLS_CERT) out.push({ variable: 'NATS_TLS_CERT', message: 'required when NATS_TLS_KEY is set' });
  if (c.NATS_PASSWORD && !c.NATS_USER) out.push({ variable: 'NATS_USER', message: 'required when NATS_PASSWORD is set' });
  const auth = (['NATS_USER', 'NATS_TOKEN', 'NATS_NKEY', 'NATS_CREDS'] as const).filter((v) => c[v]);
  if (auth.length > 1) out.push({ variable: auth[1] as string, message: `give one kind of NATS credentials, not ${auth.join(' and ')}` });
  if (c.ACME_SOURCE === 'fleet' && !c.MTA_FLEET_KEY)
    out.push({ variable: 'MTA_FLEET_KEY', message: 'required when ACME_SOURCE=fleet (fleet entries are signed)' });
  return out;
}
