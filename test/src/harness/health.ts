import type { HealthFacts } from '@mta/cli/health/checks';

// The HEALTHCHECK's facts of a container with nothing configured beyond what a test names (every string empty).
export const healthFacts = (given: Partial<HealthFacts> & Pick<HealthFacts, 'variant'>): HealthFacts => ({
  contentFilter: '',
  clamdConf: undefined,
  queueDirectory: '',
  saslEnabled: '',
  saslPath: '',
  masterParams: '',
  ...given,
});
