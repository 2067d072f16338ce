import { type Config, type Logger, lookupUser, mtaPaths } from '@mta/shared';
import { filterLayout } from './amavis/layout.ts';
import { registerRazor } from './amavis/razor.ts';

// After a successful seed of the full image: RAZOR_REGISTRATION registers amavis's Razor identity once.
// Never fatal: offline hosts get one warning from registerRazor and keep filtering.
export async function registerSeedRazor(config: Config, root: string, log: Logger): Promise<void> {
  if (!config.RAZOR_REGISTRATION) return;
  const amavis = await lookupUser('amavis').catch(() => undefined);
  await registerRazor({
    registration: config.RAZOR_REGISTRATION,
    home: filterLayout(mtaPaths(root)).razorHome,
    log,
    owner: amavis && { uid: amavis.uid, gid: amavis.gid },
  });
}
