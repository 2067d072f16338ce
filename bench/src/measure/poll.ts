import { sleep } from '@mta/shared';

// Waits for `ok`, asking every `everyMs`: the harness's `eventually` asks every 100 ms, too coarse for a latency
// timed to the millisecond (a ban until postfix's table answers for it).
export async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 2): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}
