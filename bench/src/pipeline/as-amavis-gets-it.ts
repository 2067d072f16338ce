import { execFileSync } from 'node:child_process';
import { sleep } from '@mta/shared';
import type { FilterChain } from '@mta/test/filter/chain';
import type { CorpusMessage } from './corpus.ts';
import type { MilterVia } from './deliveries.ts';
import { pool } from './scanners.ts';
import { XclientSession } from './xclient-smtp.ts';

// amavis's transport in the chain's main.cf (content_filter = smtp-amavis:[127.0.0.1]:port).
const AMAVIS_TRANSPORT = 'smtp-amavis';
const MSGID = /^Message-ID:\s*(<[^>]+>)/im;

// What SpamAssassin reads inside amavis: the queued message (postfix's Received line for the client, the milters'
// Authentication-Results) under the lines amavis puts on top to fake a local delivery agent
// (Amavis::SpamControl::SpamAssassin::check: Return-Path, X-Envelope-To; the sender and recipients as amavis quotes
// them). Its X-Amavis-* lines match no rule and are left out. postcat writes LF line ends, as amavis hands SpamAssassin.
export function asSpamAssassinInAmavis(queued: string, m: Pick<CorpusMessage, 'from' | 'to'>): string {
  return `Return-Path: <${m.from}>\nX-Envelope-To: <${m.to}>\n${queued}`;
}

// postcat -hb output, without the section banners some postfix versions print.
export function postcatMessage(out: string): string {
  return out.replace(/^\*\*\* [A-Z][A-Z ]+ \*\*\*\n/gm, '');
}

// The milter corpus as amavis receives it on port 25's path, captured from the chain itself: amavis's transport
// deferred (defer_transports, reload), each message sent through the milter port as in the timed phase, read back
// from the queue with postcat, then the queue emptied and the transport restored. In the corpus's order; each message
// carries its headers as SpamAssassin sees them in amavis (asSpamAssassinInAmavis).
export async function captureAsAmavisGetsIt(c: FilterChain, corpus: readonly CorpusMessage[], via: MilterVia): Promise<CorpusMessage[]> {
  const pf = c.postfix;
  const reload = () => execFileSync('postfix', ['-c', pf.configDir, 'reload'], { stdio: 'ignore' });
  if (c.queue().length) throw new Error('capture: the queue must be empty (a deferred message would be deleted)');
  pf.postconf('-e', `defer_transports=${AMAVIS_TRANSPORT}`);
  reload();
  try {
    const sessions = await Promise.all([0, 1].map(() => XclientSession.open(via.port, via.client)));
    const free = [...sessions];
    await pool(corpus, sessions.length, async (m) => {
      const s = free.pop() as XclientSession;
      await s.send(m.from, m.to, m.raw);
      free.push(s);
    });
    for (const s of sessions) s.close();
    // Queued once cleanup has written it: every message shows in the queue (deferred, or active until qmgr defers it).
    for (let t = Date.now(); c.queue().length < corpus.length; await sleep(200))
      if (Date.now() - t > 120_000) throw new Error(`capture: ${c.queue().length} of ${corpus.length} messages queued`);
    const byId = new Map<string, string>();
    for (const q of c.queue()) {
      const text = postcatMessage(execFileSync('postcat', ['-c', pf.configDir, '-hb', '-q', q.queue_id]).toString('latin1'));
      const id = MSGID.exec(text)?.[1];
      if (id) byId.set(id, text);
    }
    return corpus.map((m) => {
      const id = MSGID.exec(m.raw)?.[1] ?? '';
      const queued = byId.get(id);
      if (!queued) throw new Error(`capture: ${id} not found in the queue`);
      return { ...m, raw: asSpamAssassinInAmavis(queued, m) };
    });
  } finally {
    execFileSync('postsuper', ['-c', pf.configDir, '-d', 'ALL'], { stdio: 'ignore' });
    pf.postconf('-X', 'defer_transports');
    reload();
  }
}
