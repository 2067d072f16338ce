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

  // The entries in order: the whitespace separated words of the text, each through the entry parser.
  [Symbol.iterator](): Iterator<T> {
    const words = listWords(this.#text);
    const entry = this.#entry;
    return {
      next: () => {
        const w = words.next();
        return w.done ? w : { done: false, value: entry(w.value) };
      },
    };
  }

  // As JSON (the effective configuration's comparisons, `mta config`), the list it stands for.
  toJSON(): T[] {
    return [...this];
  }
}

const SPAN = 64 * 1024;

// The whitespace separated words of a text, one at a time: the same words as `words` (a split on /\s+/), split a
// span of about 64 KB at a time. One array of every word was MB at 100,000 entries; a loop over characters in
// JavaScript was five times slower than the native split (the sidecars run in --lite-mode: nothing is compiled).
export function listWords(text: string): Iterator<string, undefined> & Iterable<string> {
  let at = 0;
  let words: string[] = [];
  let i = 0;
  const space = /\s/g;
  const it = {
    next: (): IteratorResult<string, undefined> => {
      for (;;) {
        while (i < words.length) {
          const w = words[i++] as string;
          if (w) return { done: false, value: w };
        }
        if (at >= text.length) return { done: true, value: undefined };
        // The span ends at a space (or the text's end), never inside a word.
        space.lastIndex = Math.min(text.length, at + SPAN);
        const end = space.lastIndex >= text.length ? text.length : (space.exec(text)?.index ?? text.length);
        words = text.slice(at, end).split(/\s+/);
        i = 0;
        at = end;
      }
    },
    [Symbol.iterator]: () => it,
  };
  return it;
}
