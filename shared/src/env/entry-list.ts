// A list variable that grows with the site (MAIL_BOXES, MAIL_ALIASES: a word per mailbox or alias), kept as the
// text it was given in and parsed again, an entry at a time, by each pass over it. Held as an object per entry,
// 100,000 mailboxes and as many aliases were ~50 MB of the seed's heap (and of every process that parses the
// environment); the text is held anyway (the environment), and an entry of a pass is garbage before the next.
// The text is validated once, when the variable is parsed: an entry parser here only splits an entry known good.
export class EntryList<T> implements Iterable<T> {
  readonly #text: string;
  readonly #entry: (word: string) => T;
  readonly length: number;

  constructor(text: string, length: number, entry: (word: string) => T) {
    this.#text = text;
    this.length = length;
    this.#entry = entry;
  }

  // The entries in order: the whitespace separated words of the text, each through the entry parser. One iterator
  // over the spans' words (not one per word over another): an iterator result per entry less, 100,000 a pass.
  [Symbol.iterator](): Iterator<T> {
    const spans = wordSpans(this.#text);
    const entry = this.#entry;
    let words: string[] = [];
    let i = 0;
    return {
      next: (): IteratorResult<T> => {
        for (;;) {
          while (i < words.length) {
            const w = words[i++] as string;
            if (w) return { done: false, value: entry(w) };
          }
          const span = spans.next();
          if (span.done) return { done: true, value: undefined };
          words = span.value;
          i = 0;
        }
      },
    };
  }

  // As JSON (the effective configuration's comparisons, `mta config`), the list it stands for.
  toJSON(): T[] {
    return [...this];
  }
}

const SPAN = 64 * 1024;

// The words of a text a span of about 64 KB at a time, as split on /\s+/ (with empty strings at its ends). One
// array of every word was MB at 100,000 entries; a loop over characters in JavaScript was five times slower than
// the native split (the sidecars run in --lite-mode: nothing is compiled).
function* wordSpans(text: string): Generator<string[]> {
  const space = /\s/g;
  for (let at = 0; at < text.length; ) {
    // The span ends at a space (or the text's end), never inside a word.
    space.lastIndex = Math.min(text.length, at + SPAN);
    const end = space.lastIndex >= text.length ? text.length : (space.exec(text)?.index ?? text.length);
    yield text.slice(at, end).split(/\s+/);
    at = end;
  }
}

// The whitespace separated words of a text (what `words` returns as an array), given to `each` one at a time.
export function eachWord(text: string, each: (word: string) => void): void {
  for (const words of wordSpans(text)) for (const w of words) if (w) each(w);
}
