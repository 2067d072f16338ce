import { readFile } from 'node:fs/promises';
import { ErrorCode, MtaError } from '@mta/shared';

// The seed's settings for this sidecar (etc/postfix/mta-sts.json): the socketmap postfix asks, if it asks at all.
export interface StsSettings {
  socket?: string;
  map?: string;
}

export async function readSettings(path: string): Promise<StsSettings> {
  const raw = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const s = { socket: str(raw.socket), map: str(raw.map) };
  if (!!s.socket !== !!s.map) throw new MtaError(ErrorCode.Config, `${path}: socket and map go together`);
  return s;
}
