import { connect } from 'node:net';
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
