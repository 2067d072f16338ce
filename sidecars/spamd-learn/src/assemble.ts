import type { LearnPart } from '@mta/shared';

export type Assembled =
  | { kind: 'whole'; parts: LearnPart[]; message: Uint8Array }
  | { kind: 'too-large'; parts: LearnPart[]; bytes: number };

// Puts chunked learn messages back together (chunks of one message arrive in order, but others may come between).
// Bounded: a message above maxBytes is given up as soon as it is known to be, and at most maxOpen messages are open
// at once (the oldest is handed back through onEvict, its chunks come again later).
export class Assembler {
  private readonly open = new Map<string, { parts: (LearnPart | undefined)[]; bytes: number }>();

  constructor(
    private readonly maxBytes: number,
    private readonly onEvict: (parts: LearnPart[]) => void,
    private readonly maxOpen = 64,
  ) {}

  add(p: LearnPart): Assembled | undefined {
    const key = `${p.kind}:${p.hash}`;
    let a = this.open.get(key);
    if (!a || a.parts.length !== p.total) {
      if (a) this.onEvict(a.parts.filter((x): x is LearnPart => !!x));
      a = { parts: new Array<LearnPart | undefined>(p.total).fill(undefined), bytes: 0 };
      this.open.set(key, a);
      this.evictOldest();
    }
    const old = a.parts[p.index - 1];
    a.bytes += p.data.length - (old?.data.length ?? 0);
    a.parts[p.index - 1] = p;
    if (a.bytes > this.maxBytes) {
      this.open.delete(key);
      return { kind: 'too-large', parts: a.parts.filter((x): x is LearnPart => !!x), bytes: a.bytes };
    }
    if (a.parts.some((x) => !x)) return undefined;
    this.open.delete(key);
    const parts = a.parts as LearnPart[];
    return { kind: 'whole', parts, message: parts.length === 1 ? (parts[0] as LearnPart).data : Buffer.concat(parts.map((x) => x.data)) };
  }

  private evictOldest(): void {
    if (this.open.size <= this.maxOpen) return;
    const [key, a] = this.open.entries().next().value as [string, { parts: (LearnPart | undefined)[] }];
    this.open.delete(key);
    this.onEvict(a.parts.filter((x): x is LearnPart => !!x));
  }
}
