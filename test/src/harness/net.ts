import { spawnSync } from 'node:child_process';
import { createServer, Socket } from 'node:net';

// A loopback port that was free a moment ago (the kernel picks it).
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, host, r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

// Polls until something accepts TCP connections on host:port.
export async function waitForPort(port: number, host = '127.0.0.1', timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => {
        s.destroy();
        resolve(false);
      });
      s.connect(port, host);
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
}

// Polls until something accepts TCP connections on host:port inside a network namespace (a lab peer).
export async function waitForPortIn(netns: string, port: number, host: string, timeoutMs = 15_000): Promise<void> {
  const probe = () =>
    spawnSync('ip', ['netns', 'exec', netns, 'bash', '-c', `exec 3<>/dev/tcp/${host}/${port}`], { stdio: 'ignore', timeout: 3000 })
      .status === 0;
  await eventually(probe, timeoutMs, `${host}:${port} in ${netns}`);
}

// Polls a predicate (file appeared, mail delivered) with a deadline; returns its last truthy value.
export async function eventually<T>(fn: () => T | Promise<T>, timeoutMs = 15_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} not reached within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
}
