// A small deterministic generator: random strings over the characters that matter to address syntax.
export function* fuzzStrings(seed: number, count: number, alphabet: string, maxLen: number): Generator<string> {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
  for (let n = 0; n < count; n++) {
    const len = Math.floor(next() * maxLen);
    let s = '';
    for (let i = 0; i < len; i++) s += alphabet[Math.floor(next() * alphabet.length)];
    yield s;
  }
}

export const HOSTILE = 'ab@.<>,:;()"\\[] \t\r\n=?\u00e9\u0000x';
