import type { Mailbox } from './mailbox-list.ts';

const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

// The address as SMTP writes it (RFC 5321 Mailbox): the local part quoted when it is not a dot-atom.
export function externalForm(m: Mailbox): string {
  const local = DOT_ATOM.test(m.local) ? m.local : `"${m.local.replace(/["\\]/g, '\\$&')}"`;
  return `${local}@${m.domain}`;
}

// The unquoted (internal) form: what postfix's tables see once the quotes are gone.
export const internalForm = (m: Mailbox): string => `${m.local}@${m.domain}`;

// RFC 3461 xtext, as XCLIENT attribute values are written.
export function xtext(value: string): string {
  let out = '';
  for (const b of Buffer.from(value, 'utf8'))
    out += b >= 33 && b <= 126 && b !== 0x2b && b !== 0x3d ? String.fromCharCode(b) : `+${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}
