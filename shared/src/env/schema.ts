import type { VarSpec } from './spec.ts';
import { acmeVars } from './vars/acme.ts';
import { defenceVars } from './vars/defence.ts';
import { dmarcVars } from './vars/dmarc.ts';
import { filterDkimVars } from './vars/filter-dkim.ts';
import { fleetVars } from './vars/fleet.ts';
import { mailVars } from './vars/mail.ts';
import { metricsVars } from './vars/metrics.ts';
import { mtaStsVars } from './vars/mta-sts.ts';
import { outboundVars } from './vars/outbound.ts';
import { relayTlsVars } from './vars/relay-tls.ts';
import { runtimeVars } from './vars/runtime.ts';
import { saslLdapMysqlVars } from './vars/sasl-ldap-mysql.ts';
import { srsVars } from './vars/srs.ts';

// The whole environment contract: every variable of the seed README plus ours, in documentation order.
export const VARS = {
  ...mailVars,
  ...srsVars,
  ...relayTlsVars,
  ...mtaStsVars,
  ...outboundVars,
  ...saslLdapMysqlVars,
  ...filterDkimVars,
  ...dmarcVars,
  ...runtimeVars,
  ...fleetVars,
  ...acmeVars,
  ...defenceVars,
  ...metricsVars,
} as const;

export type VarName = keyof typeof VARS;
type Out<S> = S extends VarSpec<infer T> ? T : never;
type HasDefault<S> = S extends { default: string } ? true : false;

// Derived defaults that always resolve, so they are never undefined (MAIL_DOMAIN may be: a relay has no domain).
type AlwaysSet = 'HOSTNAME' | 'MTA_NODE';

// Parsed configuration: variables with a static default are always present, the rest may be undefined.
export type Config = {
  [K in VarName]: HasDefault<(typeof VARS)[K]> extends true
    ? Out<(typeof VARS)[K]>
    : K extends AlwaysSet
      ? Out<(typeof VARS)[K]>
      : Out<(typeof VARS)[K]> | undefined;
};

export const SECRET_VARS: readonly VarName[] = (Object.keys(VARS) as VarName[]).filter((k) => VARS[k].secret);
export const isVarName = (name: string): name is VarName => Object.hasOwn(VARS, name);
