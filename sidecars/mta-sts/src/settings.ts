import { readFile } from 'node:fs/promises';
import { ErrorCode, MtaError } from '@mta/shared';

// The seed's settings for this sidecar (etc/postfix/mta-sts.json): the socketmap postfix asks, if it asks at all.
export interface StsSettings {
  socket?: string;
  map?: string;
  // TLSRPT_REPORTS: the datagram socket postfix reports each TLS attempt to.
  tlsrpt?: string;
}

export async function readSettings(path: string): Promise<StsSettings> {
  const raw = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const s = { socket: str(raw.socket), map: str(raw.map), tlsrpt: str(raw.tlsrpt) };
  if (!!s.socket !== !!s.map) throw new MtaError(ErrorCode.Config, `${path}: socket and map go together`);
  return s;
}

// smtp_dns_support_level as main.cf sets it (the seed writes it; the last setting wins, as in postfix), read from the
// file instead of `postconf`: starting a command would cost this small process its largest module.
export function dnsSupportLevel(mainCf: string): string {
  let level = '';
  for (const m of mainCf.matchAll(/^smtp_dns_support_level\s*=\s*(\S*)\s*$/gm)) level = m[1] ?? '';
  return level;
}
