import { isDnsLabel, isDomain } from '../env/checks.ts';

const KEY_SUFFIX = '.privkey.pem';

export interface KeyId {
  domain: string;
  selector: string;
}

// The seed README's file names (`docker cp $MAIL_DOMAIN.$DKIM_SELECTOR.privkey.pem`), so operators' habits keep working.
export const keyFileName = (k: KeyId): string => `${k.domain}.${k.selector}${KEY_SUFFIX}`;

// The zone-file snippet a user publishes sits next to the key it belongs to.
export const txtFileName = (k: KeyId): string => `${k.domain}.${k.selector}._domainkey.txt`;

// The DNS name the public key is published at.
export const dkimRecordName = (k: KeyId): string => `${k.selector}._domainkey.${k.domain}`;

// Dropped files carry their identity in the name only; the selector is a single label, so it is the last one.
export function parseKeyFileName(name: string): KeyId | undefined {
  if (!name.endsWith(KEY_SUFFIX)) return undefined;
  const stem = name.slice(0, -KEY_SUFFIX.length);
  const dot = stem.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const domain = stem.slice(0, dot).toLowerCase();
  const selector = stem.slice(dot + 1);
  return isDomain(domain) && isDnsLabel(selector) ? { domain, selector } : undefined;
}

export const isKeyFileName = (name: string): boolean => name.endsWith(KEY_SUFFIX);
