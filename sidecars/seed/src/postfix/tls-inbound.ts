import { join } from 'node:path';
import type { Config } from '@mta/shared';
import { dovecotDelivers, saslMethods } from '../dovecot/sasl.ts';
import type { PlannedFile, PlanPart, RenderContext } from '../plan.ts';
import { pairProblem, pemBlocks } from './pem.ts';
import { generateSelfSigned, reusableSelfSigned } from './self-signed.ts';

type FileVar = keyof Config & `SMTPD_TLS_${string}`;
const PAIRS: [FileVar, FileVar][] = [
  ['SMTPD_TLS_CERT_FILE', 'SMTPD_TLS_KEY_FILE'],
  ['SMTPD_TLS_DCERT_FILE', 'SMTPD_TLS_DKEY_FILE'],
  ['SMTPD_TLS_ECCERT_FILE', 'SMTPD_TLS_ECKEY_FILE'],
];

// Self-signed files: chain.pem (key then cert, one rename swaps both) for postfix, cert.pem/key.pem for dovecot.
export const selfSignedFiles = (dir: string) => ({
  chain: join(dir, 'chain.pem'),
  cert: join(dir, 'cert.pem'),
  key: join(dir, 'key.pem'),
});

function selfSignedPlan(dir: string, keyPem: string, certPem: string): PlannedFile[] {
  const f = selfSignedFiles(dir);
  return [
    { path: f.key, content: keyPem, mode: 0o600 },
    { path: f.cert, content: certPem, mode: 0o644 },
    { path: f.chain, content: keyPem + certPem, mode: 0o600 },
  ];
}

// Checks the user's key/cert files (readable, matching) and names them to postfix.
function fromFiles(ctx: RenderContext, postconf: Record<string, string>, errors: NonNullable<PlanPart['errors']>): void {
  const { config } = ctx;
  const text = (p: string) => ctx.readFile(p)?.toString('utf8');
  for (const [certVar, keyVar] of PAIRS) {
    const certPath = config[certVar] as string | undefined;
    const keyPath = config[keyVar] as string | undefined;
    if (!certPath || !keyPath) continue;
    const [c, k] = [text(certPath), text(keyPath)];
    if (c === undefined) errors.push({ variable: certVar, message: `cannot read ${JSON.stringify(certPath)}` });
    if (k === undefined) errors.push({ variable: keyVar, message: `cannot read ${JSON.stringify(keyPath)}` });
    if (c === undefined || k === undefined) continue;
    const problem = pairProblem(pemBlocks(k).find((b) => b.kind === 'key')?.text, pemBlocks(c).find((b) => b.kind === 'cert')?.text);
    if (problem) errors.push({ variable: keyVar, message: `${keyPath} and ${certPath}: ${problem}` });
    postconf[certVar.toLowerCase()] = certPath;
    postconf[keyVar.toLowerCase()] = keyPath;
  }
  const chain = config.SMTPD_TLS_CHAIN_FILES;
  if (!chain?.length) return;
  const parts = chain.map((p) => [p, text(p)] as const);
  for (const [p, t] of parts)
    if (t === undefined) errors.push({ variable: 'SMTPD_TLS_CHAIN_FILES', message: `cannot read ${JSON.stringify(p)}` });
  if (parts.every(([, t]) => t !== undefined)) {
    const blocks = pemBlocks(parts.map(([, t]) => t).join('\n'));
    const keys = blocks.flatMap((b, i) => (b.kind === 'key' ? [i] : []));
    if (!keys.length)
      errors.push({ variable: 'SMTPD_TLS_CHAIN_FILES', message: 'no private key found (expected key first, then certificates)' });
    for (const i of keys) {
      const problem = pairProblem(blocks[i]?.text, blocks[i + 1]?.kind === 'cert' ? blocks[i + 1]?.text : undefined);
      if (problem) errors.push({ variable: 'SMTPD_TLS_CHAIN_FILES', message: problem });
    }
  }
  postconf.smtpd_tls_chain_files = chain.join(', ');
}

// A self-signed certificate is made when TLS is asked for without files, and in base/full whenever dovecot serves
// logins or mailboxes: AUTH on 465/587 and IMAP/POP3 logins never happen without TLS, and without a certificate they
// could not happen at all.
export function wantsSelfSigned(ctx: RenderContext): boolean {
  const { config } = ctx;
  if (config.SMTPD_USE_TLS) return true;
  if (ctx.variant === 'mini') return false;
  return saslMethods(config).length > 0 || dovecotDelivers(config);
}

// Inbound TLS: user files when given, else a self-signed certificate for HOSTNAME + every MAIL_DOMAIN when
// SMTPD_USE_TLS=yes (kept while valid, replaced before expiry). TLS on means no AUTH without it.
export function renderTlsInbound(ctx: RenderContext): PlanPart {
  const { config, paths } = ctx;
  const postconf: Record<string, string> = {};
  const errors: NonNullable<PlanPart['errors']> = [];
  fromFiles(ctx, postconf, errors);
  const files: PlannedFile[] = [];
  const haveFiles = Object.keys(postconf).length > 0;
  const selfSigned = !haveFiles && wantsSelfSigned(ctx);
  if (selfSigned) {
    const names = [...new Set([config.HOSTNAME, ...(config.MAIL_DOMAIN ?? [])].filter((n): n is string => !!n))];
    const f = selfSignedFiles(paths.selfSignedDir);
    const existing = reusableSelfSigned(ctx.readFile(f.chain)?.toString('utf8'), names, config.TLS_KEYBITS, ctx.now);
    const pair = existing ?? generateSelfSigned(names, config.TLS_KEYBITS, ctx.now);
    files.push(...selfSignedPlan(paths.selfSignedDir, pair.keyPem, pair.certPem));
    postconf.smtpd_tls_chain_files = f.chain;
  }
  if (!haveFiles && !selfSigned) return { errors };
  // STARTTLS on port 25 as the seed had it: with files or SMTPD_USE_TLS=yes (465/587 always require TLS).
  if (haveFiles || config.SMTPD_USE_TLS) postconf.smtpd_tls_security_level = 'may';
  postconf.smtpd_tls_auth_only = 'yes';
  const dirs = files.length ? [{ path: paths.selfSignedDir, mode: 0o750 }] : [];
  return { postconf, files, dirs, errors };
}
