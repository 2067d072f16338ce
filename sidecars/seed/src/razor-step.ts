import { type Logger, lookupUser, mtaPaths, parseEnv, type RawEnv } from '@mta/shared';
import { filterLayout } from './amavis/layout.ts';
import { registerRazor } from './amavis/razor.ts';

// After a successful seed of the full image: RAZOR_REGISTRATION registers amavis's Razor identity once.
// Never fatal: offline hosts get one warning from registerRazor and keep filtering.
export async function registerSeedRazor(env: RawEnv, root: string, log: Logger): Promise<void> {
  const parsed = parseEnv(env);
  if (!parsed.ok || !parsed.config.RAZOR_REGISTRATION) return;
  const amavis = await lookupUser('amavis').catch(() => undefined);
  await registerRazor({
    registration: parsed.config.RAZOR_REGISTRATION,
    home: filterLayout(mtaPaths(root)).razorHome,
    log,
    owner: amavis && { uid: amavis.uid, gid: amavis.gid },
  });
}
