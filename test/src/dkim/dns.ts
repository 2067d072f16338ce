import { createSocket, type Socket } from 'node:dgram';

export interface TxtServer {
  port: number;
  // Publishes (or replaces) the TXT strings of a name; lookups are case-insensitive.
  set: (name: string, strings: string[]) => void;
  close: () => Promise<void>;
}

// Reads the QNAME starting at offset 12 of a DNS query; returns the name and the offset after QTYPE/QCLASS.
function question(msg: Buffer): { name: string; end: number; qtype: number } | undefined {
  let i = 12;
  const labels: string[] = [];
  while (i < msg.length) {
    const len = msg[i] ?? 0;
    if (len === 0) break;
    labels.push(msg.subarray(i + 1, i + 1 + len).toString('ascii'));
    i += len + 1;
  }
  if (i + 5 > msg.length) return undefined;
  return { name: labels.join('.').toLowerCase(), qtype: msg.readUInt16BE(i + 1), end: i + 5 };
}

// A tiny authoritative TXT-only DNS server on loopback UDP, so DKIM verifiers can fetch our records offline.
export async function startTxtServer(): Promise<TxtServer> {
  const records = new Map<string, string[]>();
  const sock: Socket = createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    const q = question(msg);
    if (!q) return;
    const strings = q.qtype === 16 || q.qtype === 255 ? records.get(q.name) : undefined;
    const known = records.has(q.name);
    const header = Buffer.alloc(12);
    msg.copy(header, 0, 0, 2);
    // QR + AA, keep RD; RCODE 3 (NXDOMAIN) for unknown names.
    header.writeUInt16BE(0x8400 | (msg.readUInt16BE(2) & 0x0100) | (known ? 0 : 3), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(strings ? 1 : 0, 6);
    const parts = [header, msg.subarray(12, q.end)];
    if (strings) {
      const rdata = Buffer.concat(strings.map((s) => Buffer.concat([Buffer.from([Buffer.byteLength(s)]), Buffer.from(s)])));
      const rr = Buffer.alloc(12);
      rr.writeUInt16BE(0xc00c, 0);
      rr.writeUInt16BE(16, 2);
      rr.writeUInt16BE(1, 4);
      rr.writeUInt32BE(60, 6);
      rr.writeUInt16BE(rdata.length, 10);
      parts.push(rr, rdata);
    }
    sock.send(Buffer.concat(parts), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  return {
    port: sock.address().port,
    set: (name, strings) => void records.set(name.toLowerCase().replace(/\.$/, ''), strings),
    close: () => new Promise<void>((r) => sock.close(() => r())),
  };
}
