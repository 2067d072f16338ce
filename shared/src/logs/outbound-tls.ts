import type { OutboundTlsClass } from './events.ts';

// Anchored on postfix's own wording at the start of the SMTP client's lines; the peer's name follows and is never kept.
const ESTABLISHED = /^(Verified|Trusted|Untrusted|Anonymous) TLS connection established to /;
// A delivery postfix deferred itself (its reason right after `status=deferred (`, before any text of the peer's,
// which postfix prefixes with `host … said:`).
const DEFERRED = /, status=deferred \((Server certificate not verified|TLSA lookup error for )/;

// One smtp client line -> its TLS class, or undefined.
export function outboundTlsClass(text: string): OutboundTlsClass | undefined {
  const e = ESTABLISHED.exec(text);
  if (e) return (e[1] as string).toLowerCase() as OutboundTlsClass;
  const d = DEFERRED.exec(text);
  if (!d) return undefined;
  return d[1] === 'Server certificate not verified' ? 'not-verified' : 'tlsa-error';
}
