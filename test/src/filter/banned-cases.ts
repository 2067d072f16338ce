import { gzip, PDF, peExecutable, rar, sevenZip, tar } from './archives.ts';

// What amavis must decide for one attachment (FINAL_BANNED_DESTINY applies to `banned`).
export type Verdict = 'banned' | 'clean' | 'unchecked';

export interface BannedCase {
  // Also the message's subject token.
  id: string;
  file: string;
  type?: string;
  content: () => Buffer;
  verdict: Verdict;
}

const pe = peExecutable();
const text = Buffer.from('quarterly figures attached\n');

// Every way in the issue: by name, by type, inside archives, and the stock rules around them.
export const BANNED_CASES: readonly BannedCase[] = [
  { id: 'exe-name', file: 'invoice.exe', content: () => text, verdict: 'banned' },
  { id: 'double-ext', file: 'invoice.pdf.exe', content: () => text, verdict: 'banned' },
  { id: 'pe-as-pdf', file: 'invoice.pdf', type: 'application/pdf', content: () => pe, verdict: 'banned' },
  { id: 'zip-double-ext', file: 'invoice.zip', content: () => sevenZip('zip', { 'invoice.pdf.exe': text }), verdict: 'banned' },
  {
    id: 'zip-in-zip',
    file: 'documents.zip',
    content: () => sevenZip('zip', { 'inner.zip': sevenZip('zip', { 'invoice.pdf.exe': text }) }),
    verdict: 'banned',
  },
  { id: 'zip-pe-as-txt', file: 'notes.zip', content: () => sevenZip('zip', { 'notes.txt': pe }), verdict: 'banned' },
  { id: 'rar-exe', file: 'setup.rar', content: () => rar({ 'readme.txt': text, 'setup.exe': pe }), verdict: 'banned' },
  { id: '7z-pe', file: 'files.7z', content: () => sevenZip('7z', { 'notes.txt': pe }), verdict: 'banned' },
  { id: 'gz-pe', file: 'report.gz', content: () => gzip(pe), verdict: 'banned' },
  { id: 'scr', file: 'holiday.scr', content: () => text, verdict: 'banned' },
  { id: 'msdownload', file: 'update.bin', type: 'application/x-msdownload', content: () => text, verdict: 'banned' },
  { id: 'tar-pe', file: 'tools.tar', content: () => tar({ 'tool.dat': pe }), verdict: 'banned' },
  // Stock rule: names that are banned elsewhere are allowed inside Unix archives (file types still are not).
  { id: 'tar-pif', file: 'legacy.tar', content: () => tar({ 'readme.pif': text }), verdict: 'clean' },
  // Encrypted: the names are read without the password and checked; what cannot be opened is delivered, tagged.
  { id: 'zip-crypt-exe', file: 'secret.zip', content: () => sevenZip('zip', { 'invoice.exe': pe }, { password: 'pw' }), verdict: 'banned' },
  {
    id: 'zip-crypt-txt',
    file: 'secret.zip',
    content: () => sevenZip('zip', { 'report.txt': text }, { password: 'pw' }),
    verdict: 'unchecked',
  },
  {
    id: '7z-hidden-names',
    file: 'secret.7z',
    content: () => sevenZip('7z', { 'invoice.exe': pe }, { password: 'pw', hideNames: true }),
    verdict: 'unchecked',
  },
  { id: 'pdf', file: 'report.pdf', type: 'application/pdf', content: () => PDF, verdict: 'clean' },
  { id: 'zip-clean', file: 'report.zip', content: () => sevenZip('zip', { 'report.txt': text, 'report.pdf': PDF }), verdict: 'clean' },
];

// The decoders amavis must list at start: "Found decoder for .zip at …" or "Internal decoder for .gz".
export const DECODER_TYPES = ['zip', '7z', 'rar', 'gz', 'bz2', 'xz', 'tar', 'cab', 'tnef'] as const;

// amavis's log line for a decoder of this file type.
export const decoderLine = (type: string): RegExp => new RegExp(`(?:Found decoder for|Internal decoder for) +\\.${type}\\b`);

// amavis's verdict line for a message, e.g. "Blocked BANNED (.exe-ms,invoice.pdf) {DiscardedInbound,Quarantined} …".
export const verdictLine = (v: Verdict): RegExp =>
  v === 'banned' ? /\b(Blocked|Passed) BANNED\b/ : v === 'unchecked' ? /\bPassed UNCHECKED\b/ : /\bPassed CLEAN\b/;
