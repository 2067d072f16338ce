import { DMARC_REJECT_TEXT, type MessageFacts, type MilterVerdict } from '@mta/shared';
import { fromDomain } from './from.ts';
import { AR, authservIdOf, OVERRIDE_FIELD } from './verify-step.ts';

export interface EnforceConfig {
  authservId: string;
  // DMARC_POLICY=enforce (tag refuses nothing).
  enforce: boolean;
}

export type EnforceOutcome =
  | { kind: 'none'; verdict: MilterVerdict }
  | { kind: 'override'; sealer: string; domain: string; policy: string; verdict: MilterVerdict }
  | { kind: 'mismatch'; sealer: string; domain: string; policy: string; verdict: MilterVerdict };

const ACCEPT: MilterVerdict = { action: 'accept' };
const DOMAIN = '([-.a-z0-9_]+)';

// Step two, last of port 25's milters, after OpenDMARC. Every Authentication-Results with our authserv-id it sees was
// written by step one, opendkim or OpenDMARC (step one removed the rest). When OpenDMARC failed the From domain under
// a reject or quarantine policy and still let the message through because step one named a trusted sealer in
// arc.chain (its DomainWhitelist), this is the override: it is marked (the spam rule then leaves the message alone)
// and reported. Should the domain step one vouched for differ from the one OpenDMARC judged (two From parsers
// disagreeing), no override: a p=reject failure is refused with OpenDMARC's own reply text.
export function enforceStep(m: MessageFacts, cfg: EnforceConfig): EnforceOutcome {
  const ours = m.headers.filter((h) => h.name === AR && authservIdOf(h.value) === cfg.authservId.toLowerCase()).map((h) => h.value.trim());
  const id = cfg.authservId.toLowerCase().replace(/[.]/g, '\\.');
  const dmarcRe = new RegExp(`^${id}; dmarc=([a-z]+) \\(p=([a-z]+) dis=[a-z]+\\) header\\.from=${DOMAIN}$`, 'i');
  const arcRe = new RegExp(`^${id}; arc=pass \\([^()]*\\)(?: smtp\\.remote-ip=[0-9a-f:.]+)? arc\\.chain=${DOMAIN}$`, 'i');
  const dmarc = ours.map((v) => dmarcRe.exec(v)).filter((x) => x !== null);
  const arc = ours.map((v) => arcRe.exec(v)).filter((x) => x !== null);
  if (dmarc.length !== 1 || arc.length !== 1) return { kind: 'none', verdict: ACCEPT };
  const [, result, policy, judged] = dmarc[0] as RegExpExecArray;
  const sealer = (arc[0] as RegExpExecArray)[1] as string;
  const domain = (judged as string).toLowerCase();
  if (result !== 'fail' || (policy !== 'reject' && policy !== 'quarantine')) return { kind: 'none', verdict: ACCEPT };
  if (fromDomain(m.headers) !== domain) {
    const verdict: MilterVerdict =
      cfg.enforce && policy === 'reject' ? { action: 'reject', code: 550, dsn: '5.7.1', text: `${DMARC_REJECT_TEXT}: ${domain}` } : ACCEPT;
    return { kind: 'mismatch', sealer, domain, policy: policy as string, verdict };
  }
  const edits = [{ op: 'add' as const, name: OVERRIDE_FIELD, value: `arc sealer=${sealer} domain=${domain} policy=${policy}` }];
  return { kind: 'override', sealer, domain, policy: policy as string, verdict: { action: 'accept', edits } };
}
