import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Config, type MtaPaths, parseMainCf } from '@mta/shared';

// What an earlier version seeded for relay trust and the PROXY gate, read back from its files: main.cf's mynetworks
// and haproxy's list of trusted proxies (none without the gate). A /srv without an effective configuration gets
// these instead of this start's variables, so the guard keeps agreeing with postfix and haproxy.
export async function seededNetworks(
  paths: Pick<MtaPaths, 'postfixConf' | 'haproxyConf' | 'trustedProxies'>,
  current: Pick<Config, 'MYNETWORKS' | 'TRUSTED_PROXIES'>,
): Promise<Pick<Config, 'MYNETWORKS' | 'TRUSTED_PROXIES'>> {
  const text = (p: string) => readFile(p, 'utf8').catch(() => undefined);
  const [mainCf, gate, proxies] = await Promise.all([
    text(join(paths.postfixConf, 'main.cf')),
    text(paths.haproxyConf),
    text(paths.trustedProxies),
  ]);
  const mynetworks = mainCf === undefined ? undefined : parseMainCf(mainCf).mynetworks;
  const list = (v: string) => v.split(/[\s,]+/).filter(Boolean);
  return {
    MYNETWORKS: mynetworks === undefined ? current.MYNETWORKS : list(mynetworks),
    TRUSTED_PROXIES: gate === undefined || proxies === undefined ? undefined : list(proxies),
  };
}
