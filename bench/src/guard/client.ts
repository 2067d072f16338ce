// The bench's SMTP client, run inside the bench's network namespace (`ip netns exec`), so it can connect from
// addresses other than loopback. Prints one JSON object.
//   client.ts conn <port> <from,from,…> <count> <concurrency>   connect, 220, QUIT; connections per second
//   client.ts warm <port> <from,from,…>                          one connection each past postscreen's greeting test
//   client.ts ban <port25> <port587> <failures> <from,…>         per address: failures × AUTH 535, then the time
//                                                                until port 25 defers its recipients (421)
//   client.ts pregreet <port> <from,…>                           each address talks before the greeting (a bot)
//   client.ts probe <port> <everyMs> <from>                      STARTTLS handshakes, one started every everyMs,
//                                                                until stdin closes: [{at, ms, error}] (at: wall ms)
import { connect, type Socket } from 'node:net';
import { connect as tls } from 'node:tls';

type Lines = { next: (timeoutMs?: number) => Promise<string>; socket: Socket };

// Reads CRLF lines of a socket; `next` resolves with the next line ('' when the peer closed).
function lines(socket: Socket): Lines {
  let buf = '';
  let closed = false;
  const waiting: ((l: string) => void)[] = [];
  const queue: string[] = [];
  const push = (l: string) => (waiting.length ? waiting.shift()?.(l) : queue.push(l));
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      push(buf.slice(0, i).replace(/\r$/, ''));
      buf = buf.slice(i + 1);
    }
  });
  const end = () => {
    closed = true;
    while (waiting.length) waiting.shift()?.('');
  };
  socket.on('close', end);
  socket.on('error', end);
  return {
    socket,
    next: (timeoutMs = 20_000) =>
      queue.length
        ? Promise.resolve(queue.shift() as string)
        : closed
          ? Promise.resolve('')
          : new Promise((resolve) => {
              const t = setTimeout(() => resolve(''), timeoutMs);
              waiting.push((l) => {
                clearTimeout(t);
                resolve(l);
              });
            }),
  };
}

// The reply of one command: all lines of a multi-line answer, ending with the `NNN ` line.
async function reply(l: Lines): Promise<string> {
  let all = '';
  for (;;) {
    const line = await l.next();
    all += `${line}\n`;
    if (line === '' || /^\d{3} /.test(line)) return all;
  }
}

function open(port: number, from: string): Promise<Lines> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1', localAddress: from });
    const l = lines(s);
    s.once('connect', () => resolve(l));
    s.once('error', () => resolve(l));
  });
}

async function hello(port: number, from: string): Promise<boolean> {
  const l = await open(port, from);
  const greet = await reply(l);
  const ok = /^220 /m.test(greet);
  if (ok) {
    l.socket.write('QUIT\r\n');
    await reply(l);
  }
  l.socket.destroy();
  return ok;
}

async function conn(port: number, from: string[], count: number, concurrency: number) {
  let next = 0;
  let ok = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      while (next < count) {
        next++;
        if (await hello(port, from[w % from.length] as string)) ok++;
      }
    }),
  );
  const ms = performance.now() - t0;
  return { count, ok, ms: Math.round(ms), perSecond: Math.round((ok / ms) * 1000) };
}

// One failed AUTH on 587 (STARTTLS, AUTH PLAIN with a wrong password); resolves when the 535 arrived.
async function failAuth(port: number, from: string): Promise<string> {
  const l = await open(port, from);
  await reply(l);
  l.socket.write('EHLO bench\r\n');
  await reply(l);
  l.socket.write('STARTTLS\r\n');
  await reply(l);
  const t = tls({ socket: l.socket, rejectUnauthorized: false });
  await new Promise((r) => t.once('secureConnect', r));
  const s = lines(t as unknown as Socket);
  t.write('EHLO bench\r\n');
  await reply(s);
  t.write(`AUTH PLAIN ${Buffer.from('\0alice@example.com\0wrong').toString('base64')}\r\n`);
  const r = await reply(s);
  t.destroy();
  return r;
}

// Whether port 25 still takes a recipient from this address (a banned one gets 421 at RCPT and is disconnected).
async function accepted(port: number, from: string): Promise<boolean> {
  const l = await open(port, from);
  const lines = [(await reply(l)).trimEnd()];
  for (const cmd of ['EHLO bench', 'MAIL FROM:<a@sender.test>', 'RCPT TO:<alice@example.com>']) {
    l.socket.write(`${cmd}\r\n`);
    lines.push((await reply(l)).trimEnd());
  }
  l.socket.destroy();
  const last = lines.at(-1) ?? '';
  if (/^421 /m.test(last)) return false;
  if (/^250 /m.test(last)) return true;
  throw new Error(`${from}: unexpected reply on 25: ${lines.join(' | ')}`);
}

async function ban(port25: number, port587: number, failures: number, from: string[]) {
  return Promise.all(
    from.map(async (ip) => {
      for (let i = 1; i < failures; i++) await failAuth(port587, ip);
      const last = await failAuth(port587, ip);
      if (!/^535 /m.test(last)) throw new Error(`${ip}: expected 535, got ${last}`);
      const t0 = performance.now();
      while (await accepted(port25, ip)) {
        if (performance.now() - t0 > 30_000) throw new Error(`${ip}: not banned within 30 s`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return { refusedMs: Math.round(performance.now() - t0) };
    }),
  );
}

// A bot's connection: its EHLO before the greeting (postscreen's PREGREET), then whatever comes until it is dropped.
async function pregreet(port: number, from: string[]) {
  await Promise.all(
    from.map(async (ip) => {
      const l = await open(port, ip);
      l.socket.write('EHLO bot\r\n');
      while ((await l.next(3000)) !== '');
      l.socket.destroy();
    }),
  );
  return from.length;
}

// EHLO, STARTTLS and the TLS handshake, as a client submitting mail starts; its duration.
async function handshake(port: number, from: string): Promise<number> {
  const t0 = performance.now();
  const l = await open(port, from);
  try {
    if (!/^220 /m.test(await reply(l))) throw new Error('no greeting');
    l.socket.write('EHLO probe\r\n');
    await reply(l);
    l.socket.write('STARTTLS\r\n');
    if (!/^220 /m.test(await reply(l))) throw new Error('no STARTTLS');
    l.socket.removeAllListeners('data');
    const t = tls({ socket: l.socket, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      t.once('secureConnect', () => resolve());
      t.once('error', reject);
      t.once('close', () => reject(new Error('closed during the handshake')));
    });
    t.destroy();
    return performance.now() - t0;
  } finally {
    l.socket.destroy();
  }
}

async function probe(port: number, everyMs: number, from: string) {
  const out: { at: number; ms?: number; error?: string }[] = [];
  let stop = false;
  let inFlight = 0;
  process.stdin.on('end', () => {
    stop = true;
  });
  process.stdin.resume();
  while (!stop) {
    if (inFlight < 40) {
      const p: { at: number; ms?: number; error?: string } = { at: performance.timeOrigin + performance.now() };
      out.push(p);
      inFlight++;
      handshake(port, from)
        .then((ms) => (p.ms = Math.round(ms * 10) / 10))
        .catch((e: Error) => (p.error = e.message))
        .finally(() => inFlight--);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  while (inFlight > 0) await new Promise((r) => setTimeout(r, 10));
  return out;
}

const [mode, ...a] = process.argv.slice(2);
const list = (s: string | undefined) => (s ?? '').split(',').filter(Boolean);
let out: unknown;
if (mode === 'conn') out = await conn(Number(a[0]), list(a[1]), Number(a[2]), Number(a[3]));
else if (mode === 'warm') out = await Promise.all(list(a[1]).map((ip) => hello(Number(a[0]), ip)));
else if (mode === 'ban') out = await ban(Number(a[0]), Number(a[1]), Number(a[2]), list(a[3]));
else if (mode === 'pregreet') out = await pregreet(Number(a[0]), list(a[1]));
else if (mode === 'probe') out = await probe(Number(a[0]), Number(a[1]), a[2] as string);
else throw new Error(`unknown mode ${mode}`);
process.stdout.write(`${JSON.stringify(out)}\n`);
