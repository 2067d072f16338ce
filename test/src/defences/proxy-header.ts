// PROXY protocol headers as an attacker (or a careless proxy) crafts them, written as printf %b escapes for `talk`.
// Layout: https://www.haproxy.org/download/2.6/doc/proxy-protocol.txt (v1 text line, v2 binary).

const SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];

export const escaped = (bytes: readonly number[]): string => bytes.map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');

// "PROXY <rest>\r\n", e.g. v1('TCP4 192.0.2.7 127.0.0.1 40000 25') or v1('UNKNOWN').
export const v1 = (rest: string): string => `PROXY ${rest}\\r\\n`;

function v4(ip: string): number[] {
  return ip.split('.').map(Number);
}

function v6(ip: string): number[] {
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(ip)?.[1];
  const text = tail ? ip.slice(0, -tail.length) : ip;
  const [head = '', rest] = text.split('::');
  const groups = (s: string) => (s ? s.split(':').filter(Boolean) : []);
  const h = groups(head);
  const t = groups(rest ?? '');
  const words = tail ? 6 : 8;
  const all = rest === undefined ? h : [...h, ...Array<string>(words - h.length - t.length).fill('0'), ...t];
  const bytes = all.flatMap((g) => {
    const n = Number.parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
  return tail ? [...bytes, ...v4(tail)] : bytes;
}

const port = (p: number): number[] => [p >> 8, p & 0xff];

export type V2Family = 'TCP4' | 'TCP6' | 'UDP4' | 'UNSPEC' | 'UNIX';
const FAMILY: Record<V2Family, number> = { UNSPEC: 0x00, TCP4: 0x11, UDP4: 0x12, TCP6: 0x21, UNIX: 0x31 };

// A v2 header: command LOCAL or PROXY, a family, and for TCP4/UDP4/TCP6 the source (and 127.0.0.1/::1:25 as the
// destination); UNIX carries two 108-byte paths.
export function v2Bytes(command: 'LOCAL' | 'PROXY', family: V2Family, source?: string): number[] {
  let body: number[] = [];
  if (family === 'TCP4' || family === 'UDP4') body = [...v4(source ?? '192.0.2.7'), ...v4('127.0.0.1'), ...port(40000), ...port(25)];
  if (family === 'TCP6') body = [...v6(source ?? '2001:db8::7'), ...v6('::1'), ...port(40000), ...port(25)];
  if (family === 'UNIX') body = [...Array<number>(216).fill(0)].map((_, i) => (i === 0 || i === 108 ? 0x2f : 0));
  const ver = command === 'LOCAL' ? 0x20 : 0x21;
  return [...SIGNATURE, ver, FAMILY[family], ...port(body.length), ...body];
}

export const v2 = (command: 'LOCAL' | 'PROXY', family: V2Family, source?: string): string => escaped(v2Bytes(command, family, source));
