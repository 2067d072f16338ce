import { Backoff } from '../backoff.ts';
import { sleep } from '../sleep.ts';

// A NATS cluster that has just started answers the JetStream API before its meta group knows every server, and
// refuses to place a replicated stream or bucket until it does. `mta fleet init` run right after `docker compose up`
// would fail for no fault of the operator's.
const STILL_FORMING = /no suitable peers for placement|insufficient resources/i;

// Runs `create`, asked again while the cluster is still forming (until withinMs); any other error at once.
export async function whilePlacing<T>(create: () => Promise<T>, withinMs = 30_000): Promise<T> {
  const until = Date.now() + withinMs;
  const backoff = new Backoff(250, 2000);
  for (;;) {
    try {
      return await create();
    } catch (e) {
      if (!STILL_FORMING.test((e as Error).message ?? '') || Date.now() >= until) throw e;
      await sleep(backoff.next());
    }
  }
}
