import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';

// A Razor server on loopback speaking just enough of Razor's protocol for razor-agents' `check`: the greeting of a
// catalogue server, its state (engines 4 and 8), and one answer per signature query. `spam` makes every signature
// known spam at confidence 100. Counts the signature queries it answered.
export interface RazorServer {
  port: number;
  checks: () => number;
  setSpam: (spam: boolean) => void;
  stop: () => Promise<void>;
}

export async function startRazor(o: { spam?: boolean; port?: number } = {}): Promise<RazorServer> {
  let spam = o.spam ?? false;
  let checks = 0;
  const server: Server = createServer((s) => {
    s.on('error', () => undefined);
    s.write('sn=C&srl=1&ep4=7542-10&a=l\r\n');
    let buf = '';
    s.on('data', (d) => {
      buf += d;
      if (!buf.endsWith('\r\n')) return;
      const q = buf;
      buf = '';
      if (q.startsWith('a=q')) s.end();
      else if (q.startsWith('a=g&pm=state')) s.write('se=ffff&ac=50&bql=50&bqs=500\r\n');
      else if (q.startsWith('a=g')) s.write(`127.0.0.1:${port()}\r\n`);
      else if (q.startsWith('-')) {
        // A batch: a template line, then one line per query.
        const n = q.split('\r\n').filter((l) => l && l !== '.').length - 1;
        checks += n;
        const [head, row] = spam ? ['p=?&cf=?', '1,100'] : ['p=?', '0'];
        s.write(`-${head}\r\n${`${row}\r\n`.repeat(n)}.\r\n`);
      } else {
        checks += q.split('\r\n').filter((l) => l.startsWith('a=c')).length;
        s.write(spam ? 'p=1&cf=100\r\n' : 'p=0\r\n');
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = () => (server.address() as AddressInfo).port;
  return {
    port: port(),
    checks: () => checks,
    setSpam: (v) => void (spam = v),
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

// Razor's home for a test: this server as the only discovery, nomination and catalogue server (cached lists, so
// Razor never asks DNS), owned by the user amavis runs as.
export function razorHomeFor(home: string, port: number, log: string): void {
  writeFileSync(
    join(home, 'razor-agent.conf'),
    `razorhome = ${home}\nlogfile = ${log}\ndebuglevel = 0\nlistfile_discovery = servers.discovery.lst\nlistfile_nomination = servers.nomination.lst\nlistfile_catalogue = servers.catalogue.lst\n`,
  );
  for (const list of ['discovery', 'nomination', 'catalogue']) writeFileSync(join(home, `servers.${list}.lst`), `127.0.0.1:${port}\n`);
  execFileSync('chown', ['-R', 'amavis:amavis', home]);
}
