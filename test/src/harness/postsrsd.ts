import { readFileSync } from 'node:fs';
import type { MtaPaths } from '@mta/shared';
import { type Daemon, startDaemon, whenReady } from './daemon.ts';
import { waitForPort } from './net.ts';

// postsrsd as its runit service runs it: the seed's argument file, one argument a line, in the foreground.
export async function startPostsrsd(paths: MtaPaths): Promise<Daemon> {
  const args = readFileSync(paths.srsArgs, 'utf8').split('\n').filter(Boolean);
  const port = (flag: string) => Number(args.find((a) => a.startsWith(flag))?.slice(2));
  const d = startDaemon('/usr/sbin/postsrsd', args);
  return whenReady(d, 'postsrsd', async () => {
    await waitForPort(port('-f'));
    await waitForPort(port('-r'));
  });
}
