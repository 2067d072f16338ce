import { isIP } from 'node:net';
import { TLSRPT_RESULT_TYPES } from '@mta/shared';

// libtlsrpt's datagram (libtlsrpt.c): one JSON object per TLS attempt of postfix's smtp client, {"dpv":"1","d":<recipient domain>,"pr":<its _smtp._tls record>,"policies":[{"policy-type":<1|2|9>,
// "policy-domain":…,"policy-string":[…],"mx-host":[…],"failure-details":[{"c":<code>,"s":<sending ip>,
// "n":<mx name>,"h":<mx helo>,"r":<receiving ip>,"a":<additional information>,"f":<failure reason code>}],
// "t":<failure count>,"f":<0 success|1 failure>}]}. "dpv" (datagram protocol version) came with libtlsrpt 0.5.0;
// trixie's 0.5.0rc1 sends the same object without it. Everything in it but the codes may come from a remote party (the
// MX names from DNS, the HELO name and the reason from the receiving server): it is bounded, checked and kept out of
// log fields and labels.

export type PolicyType = 'tlsa' | 'sts' | 'no-policy-found';
export const POLICY_TYPES: Record<number, PolicyType> = { 1: 'tlsa', 2: 'sts', 9: 'no-policy-found' };

const RESULT_TYPES = TLSRPT_RESULT_TYPES;
export const resultTypes = (): string[] => Object.values(RESULT_TYPES);

export interface Policy {
  type: PolicyType;
  domain: string;
  strings: string[];
  mx: string[];
}

export interface Failure {
  result: string;
  sendingIp?: string;
  mxHost?: string;
  helo?: string;
  receivingIp?: string;
  info?: string;
  code?: string;
}

export interface PolicyResult {
  policy: Policy;
  ok: boolean;
  failures: Failure[];
}

// One TLS attempt to a recipient domain.
export interface Attempt {
  domain: string;
  results: PolicyResult[];
}

// A datagram larger than this is not libtlsrpt's doing for one attempt.
export const MAX_DATAGRAM = 64 * 1024;
export const LIMITS = { policies: 4, strings: 64, mx: 16, failures: 8, text: 255, policyString: 512 };

const HOST = /^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)*$/;
export const domainName = (v: unknown): string | undefined => {
  if (typeof v !== 'string') return undefined;
  const d = v.toLowerCase().replace(/\.$/, '');
  return HOST.test(d) ? d : undefined;
};
// An MX pattern of a policy: a host name, or "*." and one.
export const mxPattern = (v: unknown): string | undefined => {
  if (typeof v !== 'string') return undefined;
  const p = v.toLowerCase();
  if (p.startsWith('*.')) return domainName(p.slice(2)) ? p : undefined;
  return domainName(p);
};
// Free text (HELO name, reason, additional information): printable ASCII only, cut to the limit.
export const text = (v: unknown, max = LIMITS.text): string | undefined => {
  if (typeof v !== 'string') return undefined;
  const t = v.replace(/[^\x20-\x7e]/g, '?').slice(0, max);
  return t === '' ? undefined : t;
};
export const ip = (v: unknown): string | undefined => (typeof v === 'string' && isIP(v) ? v.toLowerCase() : undefined);
const list = <T>(v: unknown, max: number, each: (x: unknown) => T | undefined): T[] =>
  Array.isArray(v) ? v.slice(0, max).flatMap((x) => each(x) ?? []) : [];

function failure(v: unknown): Failure | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const r = v as Record<string, unknown>;
  const f: Failure = { result: (typeof r.c === 'number' && RESULT_TYPES[r.c]) || 'validation-failure' };
  const fields: [keyof Failure, string | undefined][] = [
    ['sendingIp', ip(r.s)],
    ['mxHost', domainName(r.n)],
    ['helo', text(r.h)],
    ['receivingIp', ip(r.r)],
    ['info', text(r.a)],
    ['code', text(r.f)],
  ];
  for (const [k, x] of fields) if (x !== undefined) f[k] = x;
  return f;
}

function policyResult(v: unknown, recipient: string): PolicyResult | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const r = v as Record<string, unknown>;
  const type = typeof r['policy-type'] === 'number' ? POLICY_TYPES[r['policy-type']] : undefined;
  if (!type || (r.f !== 0 && r.f !== 1)) return undefined;
  const domain = r['policy-domain'] === undefined ? recipient : domainName(r['policy-domain']);
  if (!domain) return undefined;
  return {
    policy: {
      type,
      domain,
      strings: list(r['policy-string'], LIMITS.strings, (x) => text(x, LIMITS.policyString)),
      mx: type === 'sts' ? list(r['mx-host'], LIMITS.mx, mxPattern) : [],
    },
    ok: r.f === 0,
    failures: list(r['failure-details'], LIMITS.failures, failure),
  };
}

// One datagram -> the attempt it reports, or why it is not taken (a reason of ours, never its content).
export function parseDatagram(buf: Uint8Array): { ok: true; attempt: Attempt } | { ok: false; reason: string } {
  if (buf.length > MAX_DATAGRAM) return { ok: false, reason: 'too large' };
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(buf).toString('utf8'));
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, reason: 'not an object' };
  const r = raw as Record<string, unknown>;
  if (r.dpv !== undefined && r.dpv !== '1') return { ok: false, reason: 'unknown protocol version' };
  const domain = domainName(r.d);
  if (!domain) return { ok: false, reason: 'no recipient domain' };
  if (!Array.isArray(r.policies) || r.policies.length === 0 || r.policies.length > LIMITS.policies)
    return { ok: false, reason: 'no policies' };
  const results = r.policies.map((p) => policyResult(p, domain));
  if (results.some((x) => !x)) return { ok: false, reason: 'malformed policy' };
  return { ok: true, attempt: { domain, results: results as PolicyResult[] } };
}
