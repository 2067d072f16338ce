import type { HeaderEdit, HeaderField, MessageFacts, MilterVerdict } from '@mta/shared';
import type { TxtLookup } from './arc/keys.ts';
import { type ArcResult, verifyArc } from './arc/verify.ts';
import { fromDomain } from './from.ts';
import { arcResultsValue } from './header.ts';
import { parseResults, vouchedBy } from './results.ts';

export const AR = 'authentication-results';
// Our mark that an ARC override took place (enforce step); the spam rule leaves such a message alone, so one that
// arrives from outside is removed here.
export const OVERRIDE_FIELD = 'X-MTA-DMARC-Override';

const TOO_MANY: MilterVerdict = { action: 'reject', code: 552, dsn: '5.3.4', text: 'message header too large' };

export interface VerifyConfig {
  authservId: string;
  trustedSealers: string[];
}

export interface VerifyOutcome {
  arc: ArcResult;
  // The trusted sealer whose results vouch for the From domain (written as arc.chain), and how.
  vouch?: { sealer: string; domain: string; by: 'dmarc' | 'dkim' | 'spf' };
  removed: number;
  verdict: MilterVerdict;
}

// The authserv-id of an Authentication-Results value ("id; …", "id/jobid; …", a comment before it).
export const authservIdOf = (value: string): string =>
  value
    .replace(/\([^()]*\)/g, ' ')
    .split(';')[0]
    ?.trim()
    .replace(/\/.*$/, '')
    .toLowerCase() ?? '';

// Step one, first of port 25's milters: read the chain and the incoming headers before anything changes them, then
// remove every Authentication-Results with our authserv-id (and our override mark): a sender never hands the later
// milters, the spam rules or the mailbox a verdict of ours. Our arc= result goes on top.
export async function verifyStep(m: MessageFacts, cfg: VerifyConfig, lookup: TxtLookup): Promise<VerifyOutcome> {
  // A field past the limits is not seen, so it could not be removed: such a message is not taken.
  if (m.overflow) return { arc: { result: 'fail', reason: `header ${m.overflow}` }, removed: 0, verdict: TOO_MANY };
  const arc = await verifyArc(m.headers, m.body, lookup);
  const vouch = arc.result === 'pass' ? vouching(arc, m.headers, cfg) : undefined;
  const edits: HeaderEdit[] = [];
  const id = cfg.authservId.toLowerCase();
  let removed = 0;
  for (const name of [AR, OVERRIDE_FIELD.toLowerCase()]) {
    const fields = m.headers.filter((h) => h.name === name);
    // From the bottom, so no removal moves the index of another.
    for (let k = fields.length; k >= 1; k--) {
      const h = fields[k - 1] as HeaderField;
      if (name === AR && authservIdOf(h.value) !== id) continue;
      edits.push({ op: 'change', index: k, name: h.rawName ?? name, value: '' });
      removed++;
    }
  }
  const value = arcResultsValue(cfg.authservId, arc, { remoteIp: m.macros['{client_addr}'], chain: vouch?.sealer });
  edits.push({ op: 'insert', index: 0, name: 'Authentication-Results', value });
  return { arc, ...(vouch ? { vouch } : {}), removed, verdict: { action: 'accept', edits } };
}

function vouching(arc: Extract<ArcResult, { result: 'pass' }>, headers: HeaderField[], cfg: VerifyConfig): VerifyOutcome['vouch'] {
  const sealer = arc.sets[0]?.sealer;
  if (!sealer || !cfg.trustedSealers.includes(sealer)) return undefined;
  const domain = fromDomain(headers);
  if (!domain) return undefined;
  const by = vouchedBy(parseResults(arc.newestResults), domain);
  return by ? { sealer, domain, by } : undefined;
}
