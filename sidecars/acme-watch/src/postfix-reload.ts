import { type Logger, type PostfixReload, run, signalPostfixMaster } from '@mta/shared';

export type { PostfixReload };

// The default hook, done natively (signalPostfixMaster), always for the instance whose main.cf we manage.
export async function reloadPostfix(confDir: string, log?: Logger): Promise<PostfixReload> {
  const queue = (await run('postconf', ['-c', confDir, '-h', 'queue_directory'], { log, timeoutMs: 15_000 })).stdout.trim();
  return signalPostfixMaster(queue, 'SIGHUP', log);
}
