import type { KeyId, Logger } from '@mta/shared';
import type { KeyInfo } from './keyinfo.ts';

export type Publish = (subject: string, payload: Record<string, unknown>) => void;

export type KeySource = 'generated' | 'DKIM_PRIVATEKEY' | 'file' | 'fleet';

// created/imported: public facts only (the DNS value is what users publish anyway).
export function keyEvent(log: Logger, publish: Publish | undefined, k: KeyId, info: KeyInfo, source: KeySource): void {
  const event = source === 'generated' ? 'mta.dkim.key.created' : 'mta.dkim.key.imported';
  const payload = { domain: k.domain, selector: k.selector, bits: info.bits, fingerprint: info.fingerprint, dns: info.dnsValue, source };
  log.info({ event, ...payload }, source === 'generated' ? 'dkim key created' : 'dkim key imported');
  publish?.(event, payload);
}

// rejected: names the file and why; the content is never read into the message.
export function rejectEvent(log: Logger, publish: Publish | undefined, file: string, reason: string, k?: KeyId): void {
  const payload = { file, reason, domain: k?.domain, selector: k?.selector };
  log.error({ event: 'mta.dkim.key.rejected', ...payload }, 'dkim key file rejected');
  publish?.('mta.dkim.key.rejected', payload);
}
