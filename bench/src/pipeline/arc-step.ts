import { cpuUsage } from 'node:process';
import { lookupOf, split, testSealer } from '@mta/arc-milter/arc/testing';
import { enforceStep } from '@mta/arc-milter/enforce-step';
import { verifyStep } from '@mta/arc-milter/verify-step';
import type { MessageFacts } from '@mta/shared';
import { sealMessage } from 'mailauth/lib/arc/index.js';
import type { CorpusMessage } from './corpus.ts';

export interface ArcStepCost {
  messages: number;
  // Messages that carried an ARC set (every `sealEvery`-th, sealed by a trusted sealer).
  sealed: number;
  wallMsPerMessage: number;
  cpuMsPerMessage: number;
}

// The DMARC/ARC step's own cost, the part of it this project added: the arc-milter's verify step (the chain of a
// sealed message with its RSA-2048 key checks and body hash; removal of forged headers and our header for every
// message) and its enforce step (OpenDMARC's verdict read), one message after the other in this process, the key
// lookup answered from memory (DNS time is not CPU). opendkim and OpenDMARC are not in it.
export async function measureArcStep(corpus: readonly CorpusMessage[], sealEvery = 5): Promise<ArcStepCost> {
  const sealer = testSealer('lists.example.org');
  const lookup = lookupOf([sealer]);
  const cfg = { authservId: 'example.com', trustedSealers: [sealer.domain], enforce: true };
  const messages: MessageFacts[] = [];
  for (const [i, m] of corpus.entries()) {
    let raw = m.raw.includes('\r\n') ? m.raw : m.raw.replace(/\n/g, '\r\n');
    if (i % sealEvery === 0) {
      const authResults = `${sealer.domain}; dmarc=pass header.from=${m.from.replace(/^.*@/, '')}`;
      raw =
        (
          await sealMessage(Buffer.from(raw), {
            signingDomain: sealer.domain,
            selector: sealer.selector,
            privateKey: sealer.privateKey,
            authResults,
          })
        ).toString() + raw;
    }
    const { headers, body } = split(raw);
    messages.push({ login: undefined, queueId: `Q${i}`, headers, overflow: undefined, macros: { '{client_addr}': '192.0.2.20' }, body });
  }
  const wall = performance.now();
  const cpu = cpuUsage();
  for (const m of messages) {
    const v = await verifyStep(m, cfg, lookup);
    // What the enforce step sees: our arc= header and OpenDMARC's verdict on top.
    const top = v.verdict.action === 'accept' ? (v.verdict.edits?.at(-1)?.value ?? '') : '';
    const from = m.headers.find((h) => h.name === 'from')?.value.replace(/^.*@|>.*$/g, '') ?? 'x.example';
    const headers = [
      { name: 'authentication-results', value: top },
      { name: 'authentication-results', value: `example.com; dmarc=fail (p=reject dis=none) header.from=${from}` },
      ...m.headers,
    ];
    enforceStep({ ...m, headers }, cfg);
  }
  const used = cpuUsage(cpu);
  const n = messages.length;
  return {
    messages: n,
    sealed: Math.ceil(n / sealEvery),
    wallMsPerMessage: Number(((performance.now() - wall) / n).toFixed(3)),
    cpuMsPerMessage: Number(((used.user + used.system) / 1000 / n).toFixed(3)),
  };
}
