import { dkimPublicKey } from '@mta/shared';
import { inspectPublicKey } from './keyinfo.ts';

export type Published =
  | { state: 'match' }
  | { state: 'differs'; published: string[] }
  | { state: 'missing' }
  | { state: 'unreachable'; code: string };

// Compares what DNS answers (TXT strings per record) with the key on disk, by key fingerprint, not by text.
export function comparePublished(answer: string[][], fingerprint: string): Published {
  const keys = answer
    .map((strings) => dkimPublicKey(strings.join('')))
    .filter((p): p is string => p !== undefined)
    .map((p) => (p === '' ? 'revoked (empty p=)' : (inspectPublicKey(p)?.fingerprint ?? 'unparsable p=')));
  if (keys.includes(fingerprint)) return { state: 'match' };
  return keys.length ? { state: 'differs', published: keys } : { state: 'missing' };
}

const ABSENT = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN']);

// Classifies a resolver failure: no such record is an answer, anything else means DNS could not be asked.
export const lookupFailure = (code: string | undefined): Published =>
  code && ABSENT.has(code) ? { state: 'missing' } : { state: 'unreachable', code: code ?? 'unknown' };

export function describePublished(p: Published): string {
  switch (p.state) {
    case 'match':
      return 'published, matches this key';
    case 'differs':
      return `published key differs (${p.published.join(', ')})`;
    case 'missing':
      return 'not published';
    case 'unreachable':
      return `not checked: DNS not reachable (${p.code})`;
  }
}
