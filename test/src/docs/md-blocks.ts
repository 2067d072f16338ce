// A fenced code block of a Markdown file, with the line its content starts on (for error messages).
export interface FencedBlock {
  lang: string;
  line: number;
  text: string;
}

// Every fenced block (``` or ~~~) of a Markdown text; an unclosed fence runs to the end, as renderers do.
export function fencedBlocks(md: string): FencedBlock[] {
  const lines = md.split('\n');
  const out: FencedBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})\s*([\w+-]*)/.exec(lines[i] ?? '');
    if (!open?.[1]) continue;
    const fence = open[1];
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !(lines[j] ?? '').trim().startsWith(fence)) body.push(lines[j++] ?? '');
    out.push({ lang: (open[2] ?? '').toLowerCase(), line: i + 2, text: body.join('\n') });
    i = j;
  }
  return out;
}
