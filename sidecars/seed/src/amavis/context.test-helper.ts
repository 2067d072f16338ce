import { type Config, mtaPaths, parseEnv, type RawEnv } from '@mta/shared';
import type { RenderContext } from '../plan.ts';

// A render context from a plain environment, as the applier builds it (tests only).
export function contextFor(env: RawEnv, root = '/r'): RenderContext {
  const r = parseEnv({ HOSTNAME: 'mx.example.com', ...env });
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.variable}: ${e.message}`).join('; '));
  return {
    config: r.config,
    env: r.env,
    paths: mtaPaths(root),
    variant: 'full',
    postfixParams: new Set(),
    dovecotParams: new Set(),
    daemons: {},
    readFile: () => undefined,
    now: new Date(0),
  };
}

// Breaks one value of an already parsed config, to prove the renderer checks on its own.
export const withConfig = (ctx: RenderContext, patch: Partial<Record<keyof Config, unknown>>): RenderContext => ({
  ...ctx,
  config: { ...ctx.config, ...patch } as Config,
});
