import { mtaPaths, parseEnv, type RawEnv, type Variant } from '@mta/shared';
import { renderContext } from './context.ts';
import type { PlannedFile, PlanPart, RenderContext } from './plan.ts';

// A RenderContext for renderer unit tests: env parsed like the seed does, paths under /r, no machine access.
export function testContext(env: RawEnv, over: Partial<RenderContext> & { variant?: Variant } = {}): RenderContext {
  const parsed = parseEnv({ HOSTNAME: 'mx.example.com', ...env });
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => `${e.variable}: ${e.message}`).join('\n'));
  return renderContext({
    config: parsed.config,
    env: parsed.env,
    paths: mtaPaths('/r'),
    variant: 'full',
    readFile: () => undefined,
    now: new Date('2026-01-01T00:00:00Z'),
    ...over,
  });
}

// The file a renderer plans at path (paths are under /r in these tests).
export const plannedFile = (part: PlanPart, path: string): PlannedFile | undefined => part.files?.find((f) => f.path === path);
