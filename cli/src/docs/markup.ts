// A code span that survives backticks inside the value (Markdown picks the fence by length).
export function code(s: string): string {
  const longest = Math.max(0, ...[...s.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = s.startsWith('`') || s.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${s}${pad}${fence}`;
}

// The terminal has no Markdown: code spans become their bare content.
export function plain(md: string): string {
  return md.replace(/(`+) ?([\s\S]*?) ?\1(?!`)/g, '$2');
}

// Table cells may not contain raw pipes or newlines.
export const cell = (md: string): string => md.replace(/\|/g, '\\|').replace(/\n/g, ' ');

// GitHub's heading anchor for a heading text.
export const anchor = (heading: string): string =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

// Summary lines show the description's first sentence only; "e.g. 6.2" does not end a sentence.
export const firstSentence = (s: string): string => /^.*?[.!?](?=\s+[A-Z]|$)/s.exec(s)?.[0] ?? s;
