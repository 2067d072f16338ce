import type { Config } from '../env/schema.ts';

// What postfix calls itself when no domain is configured (its own default for $mydomain): the one fallback.
export const NO_DOMAIN = 'localdomain';

// The primary domain: the first MAIL_DOMAIN, or undefined when none is configured (a relay on a host name without a
// domain part). Renderers that need a name either way use `primaryDomainOr`.
export const configuredDomain = (config: Pick<Config, 'MAIL_DOMAIN'>): string | undefined => config.MAIL_DOMAIN?.[0];

export const primaryDomain = (config: Pick<Config, 'MAIL_DOMAIN'>): string => configuredDomain(config) ?? NO_DOMAIN;
