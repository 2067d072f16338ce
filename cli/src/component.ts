import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectVariant, ErrorCode, rootOf } from '@mta/shared';
import { type CliIo, failure } from './io.ts';

// The sidecar packages some commands reuse ship only in some image variants (dkim-keys and spamd-learn in full):
// they are loaded when such a command runs, never at start, so `mta` itself works in every variant.
const loaders = {
  'dkim-keys': { variants: 'full', load: () => import('@mta/dkim-keys') },
  'spamd-learn': { variants: 'full', load: () => import('@mta/spamd-learn') },
  seed: { variants: 'mini, base and full', load: () => import('@mta/seed/postfix/dhparam') },
} as const;

export type ComponentName = keyof typeof loaders;
type Loaded<N extends ComponentName> = Awaited<ReturnType<(typeof loaders)[N]['load']>>;

// True when the error says the component's own files are missing (not one of its dependencies failing).
export const isMissing = (e: unknown, name: string): boolean =>
  (e as NodeJS.ErrnoException)?.code === 'ERR_MODULE_NOT_FOUND' &&
  new RegExp(`(@mta/${name}|sidecars/${name})/`).test(String((e as Error).message));

// Loads a component for `command`; when this image lacks it: a clear message and exit status 2.
export async function component<N extends ComponentName>(name: N, command: string, io: CliIo): Promise<Loaded<N>> {
  try {
    return (await loaders[name].load()) as Loaded<N>;
  } catch (e) {
    if (!isMissing(e, name)) throw e;
    const variant = detectVariant(rootOf(io.env));
    throw failure(
      io,
      ErrorCode.Unavailable,
      `mta ${command}: needs ${name}, which this image (${variant}) does not include; it is in: ${loaders[name].variants}`,
    );
  }
}

// Daemons a command talks to, and the variants that have them.
const DAEMONS = { amavis: ['full'] } as const;

// Stops `command` with exit status 2 when this image's variant lacks the daemon. Outside an image (no variant marker,
// e.g. a test root) nothing is assumed: the command runs and reports what it finds.
export function requireDaemon(name: keyof typeof DAEMONS, command: string, io: CliIo): void {
  let variant: string;
  try {
    variant = readFileSync(join(rootOf(io.env), 'usr/share/mta/variant'), 'utf8').trim();
  } catch {
    return;
  }
  const has: readonly string[] = DAEMONS[name];
  if (has.includes(variant)) return;
  throw failure(
    io,
    ErrorCode.Unavailable,
    `mta ${command}: needs ${name}, which this image (${variant}) does not include; it is in: ${has.join(', ')}`,
  );
}
