import { readFileSync } from 'node:fs';
import { ARC_SELECTOR, SELECTOR, world } from '@mta/test/dmarc/world';
import { sealMessage } from 'mailauth/lib/arc/index.js';
import { dkimSign } from 'mailauth/lib/dkim/sign.js';
import type { CorpusMessage } from './corpus.ts';

// The corpus as port 25 gets it from the DMARC tests' internet (test/src/dmarc/world.ts, its records on the chain's
// DNS): 8 in 10 From pass.example (p=reject), DKIM-signed with its published key and sent from the address its SPF
// allows: DKIM, SPF and DMARC pass; of those, every 5th message also carries an ARC set of lists.example.org (the
// arc-milter checks its seal and signature). 1 in 10 from none.example (no DMARC record: none) and 1 in 10 from
// pct.example, unsigned (p=reject at pct=0: fails, and is delivered). Nothing is refused, so every message counts.
export type DmarcWorld = ReturnType<typeof world>;
export { world as dmarcWorld };

const domainOf = (i: number) => (i % 10 === 8 ? 'none.example' : i % 10 === 9 ? 'pct.example' : 'pass.example');

// Each message under a Message-ID of its own (`dmarc-` instead of `bench-`), signed once: send each once.
export async function dmarcCorpus(corpus: readonly CorpusMessage[], w: DmarcWorld): Promise<CorpusMessage[]> {
  const key = readFileSync(w.keyFile('pass.example'), 'utf8');
  const out: CorpusMessage[] = [];
  for (const [i, m] of corpus.entries()) {
    const domain = domainOf(i);
    const from = m.from.replace(/@.*$/, `@${domain}`);
    let raw = m.raw.replace(/^From: <[^>]*>/m, `From: <${from}>`).replace(/^(Message-ID: <)bench-/m, '$1dmarc-');
    if (domain === 'pass.example') {
      const signature = { signingDomain: domain, selector: SELECTOR, privateKey: key };
      const signed = await dkimSign(raw, { ...signature, signatureData: [signature] });
      if (!signed.signatures) throw new Error(`DKIM signing failed: ${JSON.stringify(signed.errors)}`);
      raw = signed.signatures + raw;
      if (i % 5 === 0) {
        const sealer = 'lists.example.org';
        const seal = await sealMessage(Buffer.from(raw), {
          signingDomain: sealer,
          selector: ARC_SELECTOR,
          privateKey: w.sealKey(sealer),
          authResults: `${sealer}; dkim=pass header.d=${domain}; dmarc=pass header.from=${domain}`,
        });
        raw = seal.toString() + raw;
      }
    }
    out.push({ ...m, from, raw });
  }
  return out;
}
