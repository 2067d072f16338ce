#!/usr/bin/env node
// The image HEALTHCHECK (image/bin/healthcheck): exit 0 = healthy; otherwise one line per failed check on stdout
// (docker inspect shows it) and exit 1. Node builtins only, so it starts fast every 30 s.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { healthChecks } from './checks.ts';
import { probe } from './probe.ts';
import { healthVariant } from './variant.ts';

const postconf = (...args: string[]): string => {
  try {
    return execFileSync('postconf', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
};
const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

const variant = healthVariant(read);
const checks = healthChecks({
  variant,
  contentFilter: variant === 'full' ? postconf('-h', 'content_filter') : '',
  clamdConf: variant === 'full' ? read('/etc/clamav/clamd.conf') : undefined,
  queueDirectory: variant === 'mini' ? '' : postconf('-h', 'queue_directory'),
  saslEnabled: variant === 'mini' ? '' : postconf('-h', 'smtpd_sasl_auth_enable'),
  saslType: variant === 'mini' ? '' : postconf('-h', 'smtpd_sasl_type'),
  saslPath: variant === 'mini' ? '' : postconf('-h', 'smtpd_sasl_path'),
  masterParams: variant === 'mini' ? '' : postconf('-P'),
  submissionMilters: variant === 'mini' ? '' : postconf('-h', 'mta_submission_milters'),
  smtpdMilters: variant === 'full' ? postconf('-h', 'smtpd_milters') : '',
  recipientCanonicalMaps: postconf('-h', 'recipient_canonical_maps'),
  tlsPolicyMaps: postconf('-h', 'smtp_tls_policy_maps'),
  resolvConf: read('/etc/resolv.conf'),
});
const failures = (await Promise.all(checks.map((c) => probe(c.target, c.probe)))).filter((f) => f !== undefined);
for (const f of failures) console.log(`unhealthy: ${f}`);
if (!failures.length) console.log(`healthy: ${checks.map((c) => c.probe.what).join(', ')}`);
process.exit(failures.length ? 1 : 0);
