import { ErrorCode, MtaError } from './errors.ts';

const BATCH = 16 * 1024;
const GROW = 1024 * 1024;
// The most one builder holds (address space reserved, never memory until written): a table source of 1 GiB is ten
// times the largest site measured.
const MAX = 2 ** 30;

// Bytes built from many small pieces of text (a line per mailbox, a JSON entry per alias) straight into one buffer
// that grows in place (a resizable ArrayBuffer): neither a string per piece kept in an array, nor a whole joined
// string, nor chunks copied into the result, which at 100,000 entries were most of the seed's peak memory.
// bytes() is the text encoded as UTF-8.
export class ByteBuilder {
  readonly #space = new ArrayBuffer(0, { maxByteLength: MAX });
  #used = 0;
  // Pieces are joined as text up to a batch, then encoded at once: a Buffer write per piece was most of the cost
  // (the sidecars run in --lite-mode, where its argument checks are interpreted).
  #pending = '';

  add(text: string): void {
    this.#pending += text;
    if (this.#pending.length >= BATCH) this.#flush();
  }

  #flush(): void {
    const text = this.#pending;
    this.#pending = '';
    const n = Buffer.byteLength(text);
    const need = this.#used + n;
    if (need > MAX) throw new MtaError(ErrorCode.Config, `more than ${MAX} bytes in one generated file`);
    if (need > this.#space.byteLength) this.#space.resize(Math.min(MAX, Math.max(need, this.#space.byteLength + GROW)));
    this.#used += Buffer.from(this.#space, this.#used, n).write(text);
  }

  get empty(): boolean {
    return this.#used === 0 && this.#pending === '';
  }

  // The bytes so far; the space beyond them is given back.
  bytes(): Buffer {
    this.#flush();
    this.#space.resize(this.#used);
    return Buffer.from(this.#space, 0, this.#used);
  }
}
