import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

// One quarantined message as amavis-ls shows it.
export interface QuarantineEntry {
  id: string;
  // Path relative to the quarantine dir, what amavis expects as mail_file on release.
  file: string;
  date: string;
  sender: string;
  recipients: string[];
  subject: string;
  reason: string;
}

// amavis names quarantine files <kind>-<mail_id>[.gz] (see $*_quarantine_method in amavisd.conf).
const FILE_RE = /^(virus|banned|spam|badh|clean)-([A-Za-z0-9+_-]+?)(\.gz)?$/;
const KIND: Record<string, string> = { virus: 'VIRUS', banned: 'BANNED', spam: 'SPAM', badh: 'BAD-HEADER', clean: 'CLEAN' };

function headers(text: string): Map<string, string[]> {
  const block = text.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const out = new Map<string, string[]>();
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).toLowerCase();
    out.set(name, [...(out.get(name) ?? []), line.slice(i + 1).trim()]);
  }
  return out;
}

const bare = (a: string) => a.replace(/^<|>$/g, '');

// Parses the headers amavis adds to a quarantined copy (X-Envelope-*, X-Amavis-Alert, X-Spam-Score).
export function parseQuarantined(file: string, text: string): QuarantineEntry | undefined {
  const m = FILE_RE.exec(file.split('/').pop() ?? '');
  if (!m) return undefined;
  const h = headers(text);
  const one = (n: string) => h.get(n)?.[0] ?? '';
  const kind = KIND[m[1] ?? ''] ?? 'UNKNOWN';
  const alert = one('x-amavis-alert');
  const score = one('x-spam-score');
  return {
    id: m[2] ?? '',
    file,
    date: one('date'),
    sender: bare(one('x-envelope-from') || one('return-path')),
    recipients: (h.get('x-envelope-to') ?? [])
      .flatMap((v) => v.split(/,\s*/))
      .map(bare)
      .filter(Boolean),
    subject: one('subject'),
    reason: alert || (kind === 'SPAM' && score ? `SPAM, score ${score}` : kind),
  };
}

// Reads every quarantined message under dir (amavis spreads them over one level of subdirectories).
export function listQuarantine(dir: string): QuarantineEntry[] {
  let files: string[];
  try {
    files = readdirSync(dir, { recursive: true, encoding: 'utf8' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: QuarantineEntry[] = [];
  for (const f of files.filter((x) => FILE_RE.test(x.split('/').pop() ?? '')).sort()) {
    const raw = readFileSync(join(dir, f));
    const entry = parseQuarantined(f, (f.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8'));
    if (entry) out.push(entry);
  }
  return out;
}

// Fixed-width table for humans; one message per line.
export function formatEntries(entries: readonly QuarantineEntry[]): string[] {
  const rows = entries.map((e) => [e.id, e.date, e.sender || '<>', e.recipients.join(','), e.subject, e.reason]);
  const head = ['ID', 'DATE', 'SENDER', 'RECIPIENTS', 'SUBJECT', 'REASON'];
  const widths = head.map((h, i) => Math.min(40, Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length))));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.slice(0, widths[i]).padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [fmt(head), ...rows.map(fmt)];
}
