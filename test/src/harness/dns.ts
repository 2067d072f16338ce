import { createSocket } from 'node:dgram';

// The zone the test serves; names are matched case-insensitively.
export interface DnsRecords {
  // name (no trailing dot, any case) -> TXT strings; each string is one record.
  txt?: Record<string, string[]>;
  a?: Record<string, string[]>;
  // name -> MX host names, most preferred first (preferences 10, 20, …).
  mx?: Record<string, string[]>;
  // name (e.g. _25._tcp.mx.example.com) -> TLSA records as "usage selector matching hex".
  tlsa?: Record<string, string[]>;
  // Names whose answers carry the AD bit, as a validating resolver sets it for a signed zone (no DNSSEC is done here).
  ad?: string[];
  // The TTL of every answer (default 60 s).
  ttl?: number;
}

// Records may be added while running (e.g. a key generated after start).
export interface DnsServer {
  port: number;
  records: Required<DnsRecords>;
  queries: string[];
  stop: () => Promise<void>;
}

const TYPE_A = 1;
const TYPE_MX = 15;
const TYPE_TXT = 16;
const TYPE_TLSA = 52;

function readName(buf: Buffer, start: number): { name: string; end: number } {
  const labels: string[] = [];
  let i = start;
  while (buf[i] !== 0 && i < buf.length) {
    const len = buf[i] ?? 0;
    labels.push(buf.subarray(i + 1, i + 1 + len).toString('latin1'));
    i += 1 + len;
  }
  return { name: labels.join('.'), end: i + 1 };
}

function rr(type: number, rdata: Buffer, ttl = 60): Buffer {
  // Name as a pointer to the question (offset 12), class IN, the given TTL.
  const h = Buffer.alloc(12);
  h.writeUInt16BE(0xc00c, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt16BE(1, 4);
  h.writeUInt32BE(ttl, 6);
  h.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([h, rdata]);
}

function txtData(s: string): Buffer {
  const parts: Buffer[] = [];
  const bytes = Buffer.from(s, 'latin1');
  for (let i = 0; i < bytes.length || i === 0; i += 255) {
    const chunk = bytes.subarray(i, i + 255);
    parts.push(Buffer.from([chunk.length]), chunk);
  }
  return Buffer.concat(parts);
}

const nameData = (host: string): Buffer =>
  Buffer.concat([...host.split('.').flatMap((l) => [Buffer.from([l.length]), Buffer.from(l, 'latin1')]), Buffer.from([0])]);

// Answers one query from the table: TXT, A, MX and TLSA records, NODATA for other types, NXDOMAIN for unknown names.
export function answer(query: Buffer, records: Required<DnsRecords>): Buffer {
  const { name, end } = readName(query, 12);
  const qtype = query.readUInt16BE(end);
  const key = name.toLowerCase();
  const known = key in records.txt || key in records.a || key in records.mx || key in records.tlsa;
  const answers: Buffer[] = [];
  if (qtype === TYPE_TXT) for (const t of records.txt[key] ?? []) answers.push(rr(TYPE_TXT, txtData(t), records.ttl));
  if (qtype === TYPE_A)
    for (const ip of records.a[key] ?? []) answers.push(rr(TYPE_A, Buffer.from(ip.split('.').map(Number)), records.ttl));
  if (qtype === TYPE_MX)
    (records.mx[key] ?? []).forEach((host, i) => {
      const pref = Buffer.alloc(2);
      pref.writeUInt16BE(10 * (i + 1));
      answers.push(rr(TYPE_MX, Buffer.concat([pref, nameData(host)]), records.ttl));
    });
  if (qtype === TYPE_TLSA)
    for (const t of records.tlsa[key] ?? []) {
      const [u, s, m, hex] = t.split(' ');
      answers.push(
        rr(TYPE_TLSA, Buffer.concat([Buffer.from([Number(u), Number(s), Number(m)]), Buffer.from(hex ?? '', 'hex')]), records.ttl),
      );
    }
  const ad = records.ad.includes(key) ? 0x0020 : 0;
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2);
  header.writeUInt16BE(0x8180 | ad | (known ? 0 : 3) | (query.readUInt16BE(2) & 0x0100), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  return Buffer.concat([header, query.subarray(12, end + 4), ...answers]);
}

// A tiny authoritative-for-everything DNS server on loopback, so SPF/DKIM lookups in tests never leave the host.
export async function startDns(records: DnsRecords = {}, fixedPort?: number): Promise<DnsServer> {
  const table = {
    txt: lower(records.txt ?? {}),
    a: lower(records.a ?? {}),
    mx: lower(records.mx ?? {}),
    tlsa: lower(records.tlsa ?? {}),
    ad: (records.ad ?? []).map((n) => n.toLowerCase()),
    ttl: records.ttl ?? 60,
  };
  const queries: string[] = [];
  const sock = createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    try {
      queries.push(readName(msg, 12).name);
      sock.send(answer(msg, table), rinfo.port, rinfo.address);
    } catch {
      // malformed query: drop it, as a real server would
    }
  });
  // Port 0 unless fixed: the kernel picks a free port at bind time, so a parallel test can never take it first.
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(fixedPort ?? 0, '127.0.0.1', () => resolve());
  });
  const port = sock.address().port;
  return { port, records: table, queries, stop: () => new Promise<void>((r) => sock.close(() => r())) };
}

const lower = (o: Record<string, string[]>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k.toLowerCase(), v]));
