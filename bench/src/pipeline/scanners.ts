import { connect } from 'node:net';

// One SpamAssassin check through spamd's own protocol (what spamc does), without spawning a process per message.
export function spamdCheck(port: number, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const body = Buffer.from(raw);
    const s = connect(port, '127.0.0.1');
    let out = '';
    s.on('data', (d) => (out += d));
    s.once('error', reject);
    s.once('end', () => (/^SPAMD\/\S+ 0 /.test(out) ? resolve(out) : reject(new Error(`spamd: ${out.slice(0, 200)}`))));
    s.once('connect', () => {
      s.write(`CHECK SPAMC/1.5\r\nContent-length: ${body.length}\r\n\r\n`);
      s.end(body);
    });
  });
}

// One clamd scan of the whole message over INSTREAM on the unix socket.
export function clamdScan(socket: string, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(raw);
    const s = connect(socket);
    let out = '';
    s.on('data', (d) => (out += d));
    s.once('error', reject);
    s.once('end', () => (out.includes('OK') || out.includes('FOUND') ? resolve(out) : reject(new Error(`clamd: ${out}`))));
    s.once('connect', () => {
      s.write('zINSTREAM\0');
      for (let i = 0; i < data.length; i += 65_536) {
        const chunk = data.subarray(i, i + 65_536);
        const len = Buffer.alloc(4);
        len.writeUInt32BE(chunk.length);
        s.write(len);
        s.write(chunk);
      }
      s.end(Buffer.alloc(4));
    });
  });
}

// Runs fn over items with at most `n` in flight.
export async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}
