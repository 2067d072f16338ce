// A deterministic, GTUBE-free corpus: plain ham, spam-like marketing, HTML newsletters, and messages with
// attachments, in several sizes. Same seed, same corpus, so runs compare.
const HAM = [
  'Hi team, the quarterly report is attached for review before Thursday. Let me know if the numbers look off.',
  'Reminder: the build server will be down for maintenance tonight between 22:00 and 23:00 UTC.',
  'Thanks for the quick fix yesterday, the customer confirmed the issue is gone.',
  'Can we move our 1:1 to Friday afternoon? I have a conflict with the planning meeting.',
];
const SPAMMY = [
  'LIMITED TIME OFFER!!! Click here to claim your FREE prize now. 100% guaranteed, no risk, act now!',
  'Dear friend, I am a barrister and need your help to transfer $15,000,000 USD. You will receive 30 percent.',
  'Cheap meds online, no prescription needed. Lowest prices guaranteed. Unsubscribe at any time.',
  'Make money fast working from home!!! Earn $5000 per week. Reply with your bank details to get started.',
];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

// One message plus its envelope.
export interface CorpusMessage {
  from: string;
  to: string;
  raw: string;
  kind: 'ham' | 'spammy' | 'html' | 'attachment';
}

// n messages, cycling through the kinds so every run has the same mix.
export function makeCorpus(n: number, seed = 42): CorpusMessage[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const out: CorpusMessage[] = [];
  for (let i = 0; i < n; i++) {
    const kind = (['ham', 'ham', 'spammy', 'html', 'attachment'] as const)[i % 5] ?? 'ham';
    const from = `sender${i % 37}@remote${i % 7}.test`;
    const to = `user${i % 11}@example.com`;
    const paragraphs = 1 + Math.floor(r() * 20);
    const text = Array.from({ length: paragraphs }, () => pick(kind === 'spammy' ? SPAMMY : HAM)).join('\r\n\r\n');
    const head = `From: <${from}>\r\nTo: <${to}>\r\nSubject: bench ${kind} ${i}\r\nDate: ${new Date(1_700_000_000_000 + i * 1000).toUTCString()}\r\nMessage-ID: <bench-${seed}-${i}@remote.test>\r\nMIME-Version: 1.0\r\n`;
    let body: string;
    if (kind === 'html') {
      body = `Content-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>${text.replace(/\r\n\r\n/g, '</p><p>')}</p><a href="http://example.org/news/${i}">read more</a></body></html>\r\n`;
    } else if (kind === 'attachment') {
      const bytes = Buffer.alloc(2048 + Math.floor(r() * 60_000));
      for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(r() * 256);
      const b64 = bytes.toString('base64').replace(/.{76}/g, '$&\r\n');
      body = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\nContent-Type: text/plain\r\n\r\n${text}\r\n--b${i}\r\nContent-Type: application/pdf; name="doc${i}.pdf"\r\nContent-Disposition: attachment; filename="doc${i}.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64}\r\n--b${i}--\r\n`;
    } else {
      body = `Content-Type: text/plain; charset=utf-8\r\n\r\n${text}\r\n`;
    }
    out.push({ from, to, raw: head + body, kind });
  }
  return out;
}
