import { readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { type Config, type NetworkSet, parseMainCf } from '@mta/shared';
import { parseMynetworks, protectedNetworks } from './protect.ts';

// The networks postfix trusts for relaying, without running postconf: main.cf's explicit mynetworks (the seed always
// sets it), else what postfix derives from this host's interfaces (mynetworks_style: postfix's default subnet, or
// host: the addresses).
export async function readMynetworks(postfixConf: string): Promise<string[]> {
  const main = parseMainCf(await readFile(join(postfixConf, 'main.cf'), 'utf8').catch(() => ''));
  if (main.mynetworks !== undefined) return parseMynetworks(main.mynetworks);
  const style = main.mynetworks_style ?? 'subnet';
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) {
      if (!a.cidr) continue;
      out.push(style === 'host' ? a.address : a.cidr);
    }
  return out;
}

// What the guard and `mta guard ban` never ban, the same for both: the seeded MYNETWORKS and TRUSTED_PROXIES (the
// effective configuration: what postfix and haproxy run on, whatever the environment says now), postfix's own
// networks when main.cf names none, and GUARD_IGNORE (live).
export async function guardProtection(
  config: Pick<Config, 'MYNETWORKS' | 'TRUSTED_PROXIES' | 'GUARD_IGNORE'>,
  postfixConf: string,
): Promise<NetworkSet> {
  return protectedNetworks({
    mynetworks: [...config.MYNETWORKS, ...(await readMynetworks(postfixConf))],
    proxies: config.TRUSTED_PROXIES ?? [],
    ignore: config.GUARD_IGNORE ?? [],
  });
}
