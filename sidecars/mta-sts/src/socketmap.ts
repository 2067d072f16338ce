import { createServer, type Server, type Socket } from 'node:net';
import { listenUnix } from '@mta/shared';
import { encodeNetstring, NetstringReader } from './netstring.ts';

export interface SocketmapOptions {
  socket: string;
  // The map name postfix asks for (socketmap:unix:<socket>:<name>).
  name: string;
  // The reply for one key, without the netstring frame ("OK …", "NOTFOUND ", "TEMP …").
  lookup: (key: string) => Promise<string>;
  onError?: (err: Error) => void;
  maxConnections?: number;
}

// Postfix's socketmap protocol (socketmap_table(5)): netstring "<name> <key>" in, netstring reply out, many requests
// per connection, answered in order. A failed lookup answers TEMP, so postfix defers the mail instead of sending it
// without the policy.
export interface Socketmap {
  server: Server;
  // Stops listening and drops the open connections (postfix's smtp processes keep theirs while they idle).
  close: () => Promise<void>;
}

export async function startSocketmap(opts: SocketmapOptions): Promise<Socketmap> {
  const open = new Set<Socket>();
  const server = createServer((sock) => {
    open.add(sock);
    sock.on('close', () => open.delete(sock));
    // Postfix keys are domain names; 10 000 bytes is postfix's own default socketmap_max_reply size.
    const reader = new NetstringReader(10_000);
    let chain = Promise.resolve();
    sock.setTimeout(10 * 60_000, () => sock.destroy());
    sock.on('error', () => sock.destroy());
    sock.on('data', (chunk: Buffer) => {
      let requests: string[];
      try {
        requests = reader.push(chunk);
      } catch {
        return sock.destroy();
      }
      for (const r of requests)
        chain = chain.then(async () => {
          const sp = r.indexOf(' ');
          const name = sp < 0 ? r : r.slice(0, sp);
          const key = sp < 0 ? '' : r.slice(sp + 1);
          let reply: string;
          if (name !== opts.name) reply = `PERM unknown map ${name.slice(0, 64)}`;
          else
            reply = await opts.lookup(key).catch((e: Error) => {
              opts.onError?.(e);
              return 'TEMP policy lookup failed';
            });
          if (!sock.destroyed) sock.write(encodeNetstring(reply));
        });
    });
  });
  server.maxConnections = opts.maxConnections ?? 512;
  // The directory (root:postfix 0750) decides who may connect.
  await listenUnix(server, opts.socket);
  return {
    server,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        for (const s of open) s.destroy();
      }),
  };
}
