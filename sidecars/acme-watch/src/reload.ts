import type { Bus, Logger } from '@mta/shared';
import { MtaError } from '@mta/shared';
import { reloadDovecot } from './dovecot.ts';
import { hookOk, runHook } from './hook.ts';
import type { Targets } from './install.ts';
import { reloadPostfix } from './postfix-reload.ts';

// ACME_POSTHOOK's default; done natively (reloadPostfix) for speed and to reach the instance under MTA_ROOT, and
// only when main.cf changed. A reload restarts every postfix daemon, tlsmgr and anvil among them, and each smtpd
// that was talking to the old ones waits a fixed second before it retries: a stall of new connections. New
// certificate files need none: the rebuilt SNI table makes old smtpd processes exit before their next connection.
const DEFAULT_HOOK = 'postfix reload';

// What the daemons need after an install: dovecot (when this variant has it) re-reads its certificate only on a
// reload; postfix needs one only for a changed main.cf.
export interface ReloadNeeds {
  dovecot: boolean;
  postfixConfig: boolean;
}

export interface ReloadOptions {
  targets: Targets;
  hook: string;
  hookTimeoutMs: number;
  log: Logger;
  bus: Pick<Bus, 'publish'>;
}

// After new files: dovecot reload (when this variant has dovecot), then ACME_POSTHOOK. Failures are logged and
// published, never thrown: the new certificate stays installed either way.
export async function reloadDaemons(opts: ReloadOptions, needs: ReloadNeeds): Promise<void> {
  if (needs.dovecot) {
    try {
      const state = await reloadDovecot(opts.targets.dovecotConf, opts.log);
      opts.log.info({ event: 'acme.dovecot', state }, `dovecot ${state}`);
    } catch (e) {
      opts.log.error({ event: 'acme.dovecot.failed', err: MtaError.from(e).message }, 'dovecot reload failed');
    }
  }
  const command = opts.hook.trim();
  if (!command) return;
  const base = { command, sidecar: 'acme-watch' };
  if (command === DEFAULT_HOOK) {
    const t0 = performance.now();
    try {
      const state = needs.postfixConfig ? await reloadPostfix(opts.targets.postfixConf, opts.log) : 'not needed';
      const payload = { ...base, exitCode: 0, state, durationMs: Math.round(performance.now() - t0) };
      opts.bus.publish('mta.hook.ran', payload);
      const msg = state === 'not needed' ? 'postfix serves the new files without a reload' : `postfix ${state}`;
      opts.log.info({ event: 'hook.ran', ...payload }, msg);
    } catch (e) {
      const payload = { ...base, exitCode: null, durationMs: Math.round(performance.now() - t0) };
      opts.bus.publish('mta.hook.ran', payload);
      opts.log.error({ event: 'hook.failed', ...payload, err: MtaError.from(e).message }, 'postfix reload failed');
    }
    return;
  }
  const r = await runHook(command, opts.hookTimeoutMs);
  const payload = { ...base, exitCode: r.exitCode, signal: r.signal, timedOut: r.timedOut, durationMs: r.durationMs };
  opts.bus.publish('mta.hook.ran', payload);
  if (hookOk(r)) opts.log.info({ event: 'hook.ran', ...payload }, 'ACME_POSTHOOK ran');
  else
    opts.log.error(
      { event: 'hook.failed', ...payload, output: r.outputTail },
      `ACME_POSTHOOK failed${r.timedOut ? ' (timed out, killed)' : ''}`,
    );
}
