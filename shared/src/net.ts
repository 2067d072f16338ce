import { chmod, lstat, unlink } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { sleep } from './sleep.ts';

// Resolves true once host:port accepts a TCP connection, false after ms: a just-started local daemon is awaited
// instead of first being reported as unreachable.
export async function waitForTcp(host: string, port: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const open = await new Promise<boolean>((resolve) => {
      const s = connect({ host, port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (open) return true;
    await sleep(50);
  }
  return false;
}

// A port nobody listens on right now (bind to 0, read, close): for loopback test servers, or a dead address.
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, host, r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

// A unix socket left by an earlier run is removed before listening again; anything else at that path is an error,
// never deleted.
export async function removeStaleSocket(path: string): Promise<void> {
  const st = await lstat(path).catch(() => undefined);
  if (!st) return;
  if (!st.isSocket()) throw new Error(`${path} exists and is not a socket`);
  await unlink(path);
}

// Listens on a unix socket path (a stale socket there is removed first) that every uid may connect to: the directory
// around it (made by the service's run script, e.g. root:postfix 0750) decides who may.
export async function listenUnix(server: Server, path: string): Promise<Server> {
  await removeStaleSocket(path);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await chmod(path, 0o666);
  return server;
}
