import { DAY_S, dayOf, dayStart } from '@mta/shared';
import { aligned, alignmentMode, disposition, dkimResult, publishedPolicy, spfResult } from './codes.ts';
import type { Verdict } from './history.ts';

// One policy domain's aggregate report for one UTC day (RFC 7489 7.2), before it is written as XML.
export interface Report {
  domain: string;
  begin: number;
  end: number;
  policy: { adkim: 'r' | 's'; aspf: 'r' | 's'; p: string; sp: string; pct: number };
  rua: string[];
  rows: Row[];
}

export interface Row {
  ip: string;
  count: number;
  disposition: string;
  dkim: 'pass' | 'fail';
  spf: 'pass' | 'fail';
  headerFrom: string;
  envelopeFrom: string;
  dkimResults: { domain: string; selector?: string; result: string }[];
  spfResult: { domain: string; result: string };
}

export { DAY_S, dayOf, dayStart } from '@mta/shared';

function rowOf(v: Verdict): Row {
  return {
    ip: v.ip,
    count: 1,
    disposition: disposition(v.policy, v.action),
    dkim: aligned(v.alignDkim),
    spf: aligned(v.alignSpf),
    headerFrom: v.from,
    envelopeFrom: v.mfrom,
    dkimResults: v.dkim.map((d) => ({ domain: d.domain, ...(d.selector ? { selector: d.selector } : {}), result: dkimResult(d.result) })),
    // OpenDMARC checks SPF for the envelope sender (its HELO name for a bounce, which the history does not name).
    spfResult: { domain: v.mfrom || v.from, result: spfResult(v.spf) },
  };
}

// Verdicts of one policy domain and day (any order; the same message recorded twice counts once) -> its report.
// Rows group messages that read the same in every reported field. The published policy is the day's last record's.
export function aggregate(domain: string, day: string, verdicts: readonly Verdict[]): Report | undefined {
  const seen = new Set<string>();
  const rows = new Map<string, Row>();
  let last: Verdict | undefined;
  for (const v of verdicts) {
    if (v.pdomain !== domain || dayOf(v.received) !== day) continue;
    const id = `${v.job}|${v.received}|${v.ip}|${v.from}`;
    if (seen.has(id)) continue;
    seen.add(id);
    if (!last || v.received >= last.received) last = v;
    const row = rowOf(v);
    const key = JSON.stringify({ ...row, count: 0 });
    const had = rows.get(key);
    if (had) had.count++;
    else rows.set(key, row);
  }
  if (!last) return undefined;
  const p = publishedPolicy(last.p) ?? 'none';
  const begin = dayStart(day);
  return {
    domain,
    begin,
    end: begin + DAY_S - 1,
    policy: { adkim: alignmentMode(last.adkim), aspf: alignmentMode(last.aspf), p, sp: publishedPolicy(last.sp) ?? p, pct: last.pct },
    rua: last.rua,
    rows: [...rows.values()].sort((a, b) => b.count - a.count || a.ip.localeCompare(b.ip)),
  };
}

// The policy domains with verdicts on that day.
export const domainsOf = (verdicts: readonly Verdict[], day: string): string[] =>
  [...new Set(verdicts.filter((v) => dayOf(v.received) === day).map((v) => v.pdomain))].sort();
