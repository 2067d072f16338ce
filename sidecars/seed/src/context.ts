import { readFileSync } from 'node:fs';
import type { Config, MtaPaths, RawEnv, Variant } from '@mta/shared';
import type { RenderContext } from './plan.ts';

const readOrUndefined = (p: string): Buffer | undefined => {
  try {
    return readFileSync(p);
  } catch {
    return undefined;
  }
};

// Builds a RenderContext; tests pass fakes for the machine facts and the file reader.
export function renderContext(
  facts: { config: Config; env: RawEnv; paths: MtaPaths; variant: Variant } & Partial<
    Omit<RenderContext, 'config' | 'env' | 'paths' | 'variant'>
  >,
): RenderContext {
  return {
    postfixParams: new Set(),
    dovecotParams: new Set(),
    // No version known: the syntax of the default release (bookworm's Dovecot 2.3).
    daemons: {},
    readFile: readOrUndefined,
    now: new Date(),
    ...facts,
  };
}
