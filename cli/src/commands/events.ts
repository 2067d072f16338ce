import type { CliIo } from '../io.ts';
import { cliBus, connected } from './bus-connect.ts';

// `mta events`: prints every event on the bus as one JSON line, live, until interrupted or --count reached.
export async function events(io: CliIo, opts: { subject: string; count?: number; timeout: number; signal?: AbortSignal }): Promise<void> {
  const bus = await cliBus(io, 'events');
  await connected(bus, io, opts.timeout);
  let seen = 0;
  await new Promise<void>((resolve) => {
    const stop = bus.subscribe(opts.subject, (data, subject) => {
      io.out(JSON.stringify({ subject, ...data }));
      if (opts.count !== undefined && ++seen >= opts.count) {
        stop();
        resolve();
      }
    });
    opts.signal?.addEventListener('abort', () => resolve(), { once: true });
    process.once('SIGINT', () => resolve());
  });
  await bus.close();
}
