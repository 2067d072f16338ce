import { CliExit, type CliIo } from './io.ts';

// Code of a sidecar the image variant may not have (dkim-keys and spamd-learn are full only), loaded when a command
// needs it: every other command keeps working in mini and base, and this one says why it cannot.
export async function variantModule<T>(io: CliIo, command: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw e;
    io.err(`mta ${command}: not available in this image variant (it needs the full image)`);
    throw new CliExit(1);
  }
}
