import { isIP } from 'node:net';

// One verdict as OpenDMARC's history file records it (opendmarc.c, the "history buffer" of each judged message):
// the fields an aggregate report needs, in OpenDMARC's own codes (codes.ts reads them).
export interface Verdict {
  job: string;
  // Unix seconds.
  received: number;
  ip: string;
  from: string;
  mfrom: string;
  spf: number;
  dkim: { domain: string; selector?: string; result: number }[];
  pdomain: string;
  policy: number;
  rua: string[];
  pct: number;
  adkim: number;
  aspf: number;
  p: number;
  sp: number;
  alignDkim: number;
  alignSpf: number;
  action: number;
}

// The file is written by the opendmarc uid: hostile input. Every line must be one of these keys with a value of
// its shape, a record runs from `job` to `action`, and anything else drops the record it is in (counted, never
// echoed). Domains are what OpenDMARC takes from the message, so they are held to domain characters here.
const DOMAIN = /^[a-z0-9_](?:[a-z0-9_.-]{0,251}[a-z0-9_])?$/;
const INT = /^-?\d{1,12}$/;
const URI = /^[\x21-\x7e]{1,512}$/;
const JOB = /^[A-Za-z0-9]{1,64}$/;
// Lines OpenDMARC writes that reports do not use (ARC).
const IGNORED = new Set(['arc', 'arc_policy']);
const NUMBERS = ['received', 'spf', 'policy', 'pct', 'adkim', 'aspf', 'p', 'sp', 'align_dkim', 'align_spf', 'action'] as const;
const MAX_DKIM = 16;
const MAX_RUA = 8;

type Draft = Map<string, string> & { dkim?: Verdict['dkim']; rua?: string[] };

const dkimLine = (v: string): Verdict['dkim'][number] | undefined => {
  const parts = v.split(' ');
  const result = parts.at(-1) ?? '';
  const domain = (parts[0] ?? '').toLowerCase();
  if (!DOMAIN.test(domain) || !INT.test(result)) return undefined;
  // 1.4 writes "dkim <domain> <result>"; a selector in between (other versions) is kept when it looks like one.
  if (parts.length === 2) return { domain, result: Number(result) };
  if (parts.length === 3 && /^[A-Za-z0-9._-]{1,63}$/.test(parts[1] ?? '')) return { domain, selector: parts[1], result: Number(result) };
  return undefined;
};

function accept(d: Draft, key: string, value: string): boolean {
  if (IGNORED.has(key)) return true;
  if (key === 'dkim') {
    const r = dkimLine(value);
    if (!r || (d.dkim ??= []).length >= MAX_DKIM) return false;
    d.dkim.push(r);
    return true;
  }
  if (key === 'rua') {
    if (value === '-') return true;
    if (!URI.test(value) || (d.rua ??= []).length >= MAX_RUA) return false;
    d.rua.push(value);
    return true;
  }
  if (d.has(key)) return false;
  if ((NUMBERS as readonly string[]).includes(key)) return INT.test(value) && !!d.set(key, value);
  if (key === 'reporter') return value.length <= 255 && !!d.set(key, value);
  if (key === 'ipaddr') return isIP(value) !== 0 && !!d.set(key, value);
  if (key === 'from' || key === 'pdomain') return DOMAIN.test(value.toLowerCase()) && !!d.set(key, value.toLowerCase());
  if (key === 'mfrom') return (value === '' || DOMAIN.test(value.toLowerCase())) && !!d.set(key, value.toLowerCase());
  return false;
}

function finish(d: Draft): Verdict | undefined {
  const n = (k: string) => Number(d.get(k));
  for (const k of ['job', 'ipaddr', 'from', 'pdomain', ...NUMBERS]) if (!d.has(k)) return undefined;
  return {
    job: d.get('job') as string,
    received: n('received'),
    ip: d.get('ipaddr') as string,
    from: d.get('from') as string,
    mfrom: d.get('mfrom') ?? '',
    spf: n('spf'),
    dkim: d.dkim ?? [],
    pdomain: d.get('pdomain') as string,
    policy: n('policy'),
    rua: d.rua ?? [],
    pct: n('pct'),
    adkim: n('adkim'),
    aspf: n('aspf'),
    p: n('p'),
    sp: n('sp'),
    alignDkim: n('align_dkim'),
    alignSpf: n('align_spf'),
    action: n('action'),
  };
}

// Every complete, well-formed record of a history file, and how many were dropped. A record still being written at
// the end (no `action` line yet, or no final newline) counts as dropped: the file is only read once OpenDMARC has
// stopped writing to it (collect.ts).
export function parseHistory(text: string): { verdicts: Verdict[]; dropped: number } {
  const verdicts: Verdict[] = [];
  let dropped = 0;
  let draft: Draft | undefined;
  let bad = false;
  const lines = text.split('\n');
  const complete = text.endsWith('\n') ? lines.slice(0, -1) : lines;
  for (const [i, line] of complete.entries()) {
    const partial = !text.endsWith('\n') && i === complete.length - 1;
    const sp = line.indexOf(' ');
    const key = sp < 0 ? line : line.slice(0, sp);
    const value = sp < 0 ? '' : line.slice(sp + 1);
    if (key === 'job') {
      if (draft) dropped++;
      draft = new Map() as Draft;
      bad = partial || !JOB.test(value);
      draft.set('job', value);
      continue;
    }
    if (!draft) {
      dropped += line === '' ? 0 : 1;
      continue;
    }
    if (partial || !accept(draft, key, value)) bad = true;
    if (key !== 'action') continue;
    const v = bad ? undefined : finish(draft);
    if (v) verdicts.push(v);
    else dropped++;
    draft = undefined;
  }
  if (draft) dropped++;
  return { verdicts, dropped };
}

// The numeric lines after rua, in OpenDMARC's order, and the verdict field each one fills.
const TAIL: readonly [string, keyof Verdict][] = [
  ['pct', 'pct'],
  ['adkim', 'adkim'],
  ['aspf', 'aspf'],
  ['p', 'p'],
  ['sp', 'sp'],
  ['align_dkim', 'alignDkim'],
  ['align_spf', 'alignSpf'],
  ['action', 'action'],
];

// A verdict written back in the history file's own form. Verdicts that come from elsewhere (other nodes' records)
// are read through parseHistory(toHistory(...)), so they pass the very checks OpenDMARC's lines do.
export function toHistory(v: Verdict): string {
  const lines = [
    `job ${v.job}`,
    `received ${v.received}`,
    `ipaddr ${v.ip}`,
    `from ${v.from}`,
    `mfrom ${v.mfrom}`,
    `spf ${v.spf}`,
    ...v.dkim.map((d) => `dkim ${d.domain}${d.selector ? ` ${d.selector}` : ''} ${d.result}`),
    `pdomain ${v.pdomain}`,
    `policy ${v.policy}`,
    ...(v.rua.length ? v.rua.map((r) => `rua ${r}`) : ['rua -']),
    ...TAIL.map(([key, field]) => `${key} ${String(v[field])}`),
  ];
  return `${lines.join('\n')}\n`;
}

// Untrusted JSON (a list of verdicts) -> the verdicts that hold up, and how many did not. A line break anywhere
// would start a line of its own in the history form: such a verdict is dropped whole.
export function verdictsFromJson(data: unknown): { verdicts: Verdict[]; dropped: number } {
  if (!Array.isArray(data)) return { verdicts: [], dropped: 1 };
  const text = data
    .map((v) => {
      try {
        return JSON.stringify(v).includes('\\n') ? BROKEN : toHistory(v as Verdict);
      } catch {
        return BROKEN;
      }
    })
    .join('');
  return parseHistory(text);
}
const BROKEN = 'job -\naction 0\n';
