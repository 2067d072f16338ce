import type { HeaderField } from '@mta/shared';

const DOMAIN = /^[a-z0-9_]([a-z0-9_.-]{0,252}[a-z0-9_])?$/;

// The domain of the message's From address (RFC 5322), or undefined when it is not plain: exactly one From field with
// exactly one address. Both milter steps read it the same way; the enforce step also compares it with OpenDMARC's
// header.from, so a From that two parsers could read differently never earns an override.
export function fromDomain(headers: HeaderField[]): string | undefined {
  const from = headers.filter((h) => h.name === 'from');
  if (from.length !== 1) return undefined;
  // Quoted display names and comments may hold anything, "@" too.
  const text = (from[0] as HeaderField).value.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\([^()]*\)/g, ' ');
  const at = [...text.matchAll(/@([^\s<>,;:"()@[\]]+)/g)];
  if (at.length !== 1 || text.includes(',')) return undefined;
  const d = (at[0]?.[1] ?? '').toLowerCase().replace(/\.$/, '');
  return DOMAIN.test(d) && !d.includes('..') ? d : undefined;
}
