// OpenDMARC's numeric codes in the history file (libopendmarc dmarc.h, opendmarc-ar.h) and what a report says.

// Authentication-Results result codes (ARES_RESULT_*), as SPF and DKIM results are recorded.
const ARES: Record<number, string> = {
  0: 'pass',
  2: 'softfail',
  3: 'neutral',
  4: 'temperror',
  5: 'permerror',
  6: 'none',
  7: 'fail',
  8: 'policy',
};
const SPF_RESULTS = new Set(['none', 'neutral', 'pass', 'fail', 'softfail', 'temperror', 'permerror']);
const DKIM_RESULTS = new Set(['none', 'pass', 'fail', 'policy', 'neutral', 'temperror', 'permerror']);

// A result the schema has no word for (OpenDMARC's "not evaluated", nxdomain, …) is reported as the nearest one.
export const spfResult = (code: number): string => {
  const r = ARES[code] ?? 'none';
  return SPF_RESULTS.has(r) ? r : 'none';
};
export const dkimResult = (code: number): string => {
  const r = ARES[code] ?? 'fail';
  return DKIM_RESULTS.has(r) ? r : r === 'softfail' ? 'fail' : 'neutral';
};

// DMARC_POLICY_*_ALIGNMENT_PASS: the aligned result of SPF or DKIM passed.
const ALIGNED = 4;
export const aligned = (code: number): 'pass' | 'fail' => (code === ALIGNED ? 'pass' : 'fail');

// DMARC_RECORD_P_*: the character of the p= / sp= value ('\0' when the record has none).
const P: Record<number, 'none' | 'quarantine' | 'reject'> = { 110: 'none', 113: 'quarantine', 114: 'reject' };
export const publishedPolicy = (code: number): 'none' | 'quarantine' | 'reject' | undefined => P[code];

// DMARC_RECORD_A_*: 's' strict, 'r' relaxed ('\0' unspecified: relaxed).
export const alignmentMode = (code: number): 'r' | 's' => (code === 115 ? 's' : 'r');

// The policy OpenDMARC applied (DMARC_POLICY_*) and what happened to the message (DMARC_RESULT_*).
const POLICY_REJECT = 16;
const POLICY_QUARANTINE = 17;
const RESULT_REJECT = 0;

// What this server did with the message: refused in the session (reject), or delivered down the spam path, which
// the seed's SpamAssassin rule does for every failure under a quarantine or reject policy, also one that pct= or
// DMARC_POLICY=tag spared from refusal (quarantine); otherwise delivered (none).
export function disposition(policy: number, action: number): 'none' | 'quarantine' | 'reject' {
  if (action === RESULT_REJECT && policy === POLICY_REJECT) return 'reject';
  return policy === POLICY_REJECT || policy === POLICY_QUARANTINE ? 'quarantine' : 'none';
}
