import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { sleep } from '@mta/shared';
import type { FilterChain } from '@mta/test/filter/chain';
import nodemailer from 'nodemailer';
import type { CorpusMessage } from './corpus.ts';
import { pool } from './scanners.ts';
import { XclientSession } from './xclient-smtp.ts';

// The chain's milter port and the client address its sessions claim (FilterChain.milters).
export interface MilterVia {
  port: number;
  client: string;
}

// Sends one message; closes when done.
interface Sender {
  send: (m: CorpusMessage) => Promise<unknown>;
  close: () => void;
}

function nodemailerSender(port: number, concurrency: number): Sender {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
    pool: true,
    maxConnections: concurrency,
    maxMessages: Number.POSITIVE_INFINITY,
  });
  return { send: (m) => transport.sendMail({ envelope: { from: m.from, to: [m.to] }, raw: m.raw }), close: () => transport.close() };
}

// One XCLIENT session per message in flight (at most `concurrency`), opened before the clock starts.
async function xclientSender(via: MilterVia, concurrency: number): Promise<Sender> {
  const free = await Promise.all(Array.from({ length: concurrency }, () => XclientSession.open(via.port, via.client)));
  const all = [...free];
  return {
    send: async (m) => {
      const s = free.pop() as XclientSession;
      try {
        await s.send(m.from, m.to, m.raw);
      } finally {
        free.push(s);
      }
    },
    close: () => {
      for (const s of all) s.close();
    },
  };
}

export const rate = (n: number, ms: number) => Number(((n * 1000) / ms).toFixed(2));

const MSGID = /^Message-ID:\s*(<[^>]+>)/im;
const headerId = (raw: string) => MSGID.exec(raw.split(/\r?\n\r?\n/, 1)[0] ?? '')?.[1];
const msgId = (m: CorpusMessage) => MSGID.exec(m.raw)?.[1] ?? '';

// "dkim=<result> dmarc=<result>" from the Authentication-Results of our authserv-id (the chain's MAIL_DOMAIN,
// example.com) in a delivered message's header; `?` for a method without one. opendkim folds its header after the
// authserv-id.
export function milterVerdictOf(raw: string, authservId = 'example.com'): string {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const id = authservId.replace(/\./g, '\\.');
  const ours = (method: string) => new RegExp(`^Authentication-Results: ${id};\\s+${method}=(\\w+)`, 'mi').exec(head)?.[1];
  return `dkim=${ours('dkim') ?? '?'} dmarc=${ours('dmarc') ?? '?'}`;
}

// Message-IDs seen at the next hop and in the quarantine (each file read once). With D_PASS amavis may quarantine a
// copy of spam AND deliver it, so completeness is judged per message: delivered or quarantined, never neither.
export class Deliveries {
  readonly delivered = new Set<string>();
  private readonly quarantined = new Map<string, string>();
  private run = 0;

  constructor(private readonly c: FilterChain) {}

  // Our dkim= and dmarc= results on the milter corpus's delivered messages (Message-ID <dmarc-…>), counted by pair:
  // the milters did the work the bench means them to.
  readonly milterVerdicts: Record<string, number> = {};

  collect(): void {
    for (const m of this.c.sink.mails.splice(0)) {
      const id = headerId(m.raw);
      if (id) this.delivered.add(id);
      if (id?.startsWith('<dmarc-')) {
        const key = milterVerdictOf(m.raw);
        this.milterVerdicts[key] = (this.milterVerdicts[key] ?? 0) + 1;
      }
    }
    const dir = this.c.layout.quarantine;
    if (!existsSync(dir)) return;
    for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
      if (!/-/.test(f) || this.quarantined.has(f)) continue;
      try {
        const raw = readFileSync(join(dir, f));
        this.quarantined.set(f, headerId((f.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8')) ?? '');
      } catch {
        // amavis is still writing it: read it on the next pass
      }
    }
  }

  quarantineIds(): Set<string> {
    return new Set(this.quarantined.values());
  }

  // Sends over SMTP with `concurrency` connections and waits until every accepted message was delivered or
  // quarantined (or the timeout passed); the counts show any loss. Each call re-sends under fresh Message-IDs, so an
  // earlier call's deliveries cannot count. Through the milter port (`via`) messages go as they are: their DKIM
  // signatures cover the Message-ID, so the caller sends each signed message once, under its own.
  async send(source: readonly CorpusMessage[], concurrency: number, timeoutMs: number, via?: MilterVia) {
    const tag = ++this.run;
    const corpus = via ? source : source.map((m) => ({ ...m, raw: m.raw.replace(/^(Message-ID: <[^@>]+)/m, `$1.r${tag}`) }));
    const transport = via ? await xclientSender(via, concurrency) : nodemailerSender(this.c.port, concurrency);
    const accepted: CorpusMessage[] = [];
    let refused = 0;
    const receivedBefore = this.c.sink.count();
    const t = performance.now();
    await pool(corpus, concurrency, async (m) => {
      try {
        await transport.send(m);
        accepted.push(m);
      } catch {
        refused++;
      }
      if ((accepted.length + refused) % 200 === 0) this.collect();
    });
    const acceptMs = performance.now() - t;
    transport.close();
    const missing = () => {
      this.collect();
      const q = this.quarantineIds();
      return accepted.filter((m) => !this.delivered.has(msgId(m)) && !q.has(msgId(m)));
    };
    // The bench shares the CPUs it measures: the next hop's count is the cheap check, the full one (quarantine
    // included) runs when the count says done, and at least once a second for quarantine-only messages.
    const deadline = t + timeoutMs;
    for (let full = 0; performance.now() < deadline; await sleep(50)) {
      if (this.c.sink.count() - receivedBefore < accepted.length && performance.now() - full < 1000) continue;
      full = performance.now();
      if (missing().length === 0) break;
    }
    const q = this.quarantineIds();
    const deliveredN = accepted.filter((m) => this.delivered.has(msgId(m))).length;
    const onlyQuarantined = accepted.filter((m) => !this.delivered.has(msgId(m)) && q.has(msgId(m))).length;
    // Timed to the next hop's last receipt when every message was delivered; quarantine-only ones have no such moment.
    const ms = deliveredN === accepted.length ? this.c.sink.lastAt() - t : performance.now() - t;
    return {
      sent: corpus.length,
      accepted: accepted.length,
      refused,
      delivered: deliveredN,
      quarantinedOnly: onlyQuarantined,
      quarantinedCopies: accepted.filter((m) => q.has(msgId(m))).length,
      lost: missing().length,
      acceptMs: Math.round(acceptMs),
      ms: Math.round(ms),
      perSec: rate(deliveredN + onlyQuarantined, ms),
    };
  }
}
