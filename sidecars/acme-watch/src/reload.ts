import type { Bus, Logger } from '@mta/shared';
import { MtaError } from '@mta/shared';
import { reloadDovecot } from './dovecot.ts';
import { hookOk, runHook } from './hook.ts';
import type { Targets } from './install.ts';
import { reloadPostfix } from './postfix-reload.ts';

// ACME_POSTHOOK's default; done natively (reloadPostfix) for speed and to reach the instance under MTA_ROOT.
export const DEFAULT_HOOK = 'postfix reload';

export interface ReloadOptions {
  targets: Targets;
  hook: string;
  hookTimeoutMs: number;
  log: Logger;
  bus: Pick<Bus, 'publish'>;
}

// After new files: dovecot reload (when this variant has dovecot), then ACME_POSTHOOK. Failures are logged and
// published, never thrown: the new certificate stays installed either way.
export async function reloadDaemons(o: ReloadOptions, dovecotPresent: boolean): Promise<void> {
  if (dovecotPresent) {
    try {
      const state = await reloadDovecot(o.targets.dovecotConf, o.log);
      o.log.info({ event: 'acme.dovecot', state }, `dovecot ${state}`);
    } catch (e) {
      o.log.error({ event: 'acme.dovecot.failed', err: MtaError.from(e).message }, 'dovecot reload failed');
    }
  }
  const command = o.hook.trim();
  if (!command) return;
  const base = { command, sidecar: 'acme-watch' };
  if (command === DEFAULT_HOOK) {
    const t0 = performance.now();
    try {
      const state = await reloadPostfix(o.targets.postfixConf, o.log);
      const payload = { ...base, exitCode: 0, state, durationMs: Math.round(performance.now() - t0) };
      o.bus.publish('mta.hook.ran', payload);
      o.log.info({ event: 'hook.ran', ...payload }, `postfix ${state}`);
    } catch (e) {
      const payload = { ...base, exitCode: null, durationMs: Math.round(performance.now() - t0) };
      o.bus.publish('mta.hook.ran', payload);
      o.log.error({ event: 'hook.failed', ...payload, err: MtaError.from(e).message }, 'postfix reload failed');
    }
    return;
  }
  const r = await runHook(command, o.hookTimeoutMs);
  const payload = { ...base, exitCode: r.exitCode, signal: r.signal, timedOut: r.timedOut, durationMs: r.durationMs };
  o.bus.publish('mta.hook.ran', payload);
  if (hookOk(r)) o.log.info({ event: 'hook.ran', ...payload }, 'ACME_POSTHOOK ran');
  else
    o.log.error(
      { event: 'hook.failed', ...payload, output: r.outputTail },
      `ACME_POSTHOOK failed${r.timedOut ? ' (timed out, killed)' : ''}`,
    );
}
