import { integer } from '../checks.ts';
import { BASE_UP, defineVar } from '../spec.ts';

// acme-watch tuning beyond the seed's ACME_FILE/ACME_POSTHOOK (those live in runtime.ts).
export const acmeVars = {
  ACME_POSTHOOK_TIMEOUT: defineVar({
    live: true,
    schema: integer(1, 3600, 'a number of seconds'),
    topic: 'acme',
    variants: BASE_UP,
    description: 'Seconds ACME_POSTHOOK may run before it and its children are killed; the new certificate stays installed.',
    format: 'seconds',
    example: '30',
    default: '60',
  }),
} as const;
