import { createServer, type Server, type Socket } from 'node:net';
import { listenUnix } from '../net.ts';
import { MilterSession, type SessionOptions } from './session.ts';
import { MilterProtocolError, PacketReader } from './wire.ts';

export interface MilterServerOptions {
  socket: string;
  session: SessionOptions;
  // Largest packet accepted (a header field, with its name); postfix's header_size_limit is 100 KiB.
  maxPacket?: number;
  maxConnections?: number;
  // A connection silent this long is dropped (postfix keeps one per SMTP session).
  idleMs?: number;
  onDrop?: (why: string) => void;
}

// The milter's unix socket: one MilterSession per MTA connection. A connection that breaks the protocol is closed;
// postfix then defers its message (milter_default_action = tempfail).
export async function startMilterServer(opts: MilterServerOptions): Promise<Server> {
  const server = createServer((sock) => serve(sock, opts));
  server.maxConnections = opts.maxConnections ?? 256;
  // The directory (the milter's own, group postfix, 0750) decides who may connect.
  return listenUnix(server, opts.socket);
}

function serve(sock: Socket, opts: MilterServerOptions): void {
  const reader = new PacketReader(opts.maxPacket ?? 1024 * 1024);
  const session = new MilterSession((b) => void sock.write(b), opts.session);
  let chain = Promise.resolve();
  const drop = (why: string) => {
    opts.onDrop?.(why);
    sock.destroy();
  };
  sock.setTimeout(opts.idleMs ?? 10 * 60_000, () => drop('idle'));
  sock.on('error', () => sock.destroy());
  sock.on('data', (chunk: Buffer) => {
    let packets: ReturnType<PacketReader['push']>;
    try {
      packets = reader.push(chunk);
    } catch (e) {
      return drop((e as Error).message);
    }
    for (const p of packets)
      chain = chain.then(async () => {
        if (sock.destroyed) return;
        try {
          if ((await session.handle(p)) === 'close') sock.end();
        } catch (e) {
          drop(e instanceof MilterProtocolError ? e.message : `internal error: ${(e as Error).message}`);
        }
      });
  });
}
