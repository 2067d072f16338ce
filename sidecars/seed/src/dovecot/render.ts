import { configuredDomain, dovecotSyntax, guardDenyLookup, parseHostPort } from '@mta/shared';
import type { PlannedFile, PlanPart, RenderContext } from '../plan.ts';
import { dovecotFiles, renderDovecotConf } from './conf.ts';
import { ldapPassdb, renderLdapPassdb } from './ldap.ts';
import { renderPassdbs24 } from './passdb-24.ts';
import { dovecotPassThrough } from './passthrough.ts';
import { renderPasswdFile } from './passwd.ts';
import { dovecotDelivers, saslMethods } from './sasl.ts';
import { renderSqlPassdb, sqlPassdb } from './sql.ts';
import { saslServices } from './submission.ts';
import { dovecotTlsFiles, renderDovecotTls } from './tls.ts';

// Files only dovecot's auth process may read: they hold passwords.
const secretFile = (path: string, content: string): PlannedFile => ({ path, content, mode: 0o640, owner: 'root', group: 'dovecot' });

// Dovecot for the base and full images: SASL for postfix, LMTP delivery, IMAP/POP3, plus the postfix services using
// it, in the syntax of the installed dovecot (the daemons fact): 2.3's passdbs read their own LDAP/SQL files, 2.4's
// are one included file; each syntax removes the other's files, so a /srv moved between them keeps no stale secret.
export function renderDovecot(ctx: RenderContext): PlanPart {
  const { config } = ctx;
  const methods = saslMethods(config);
  // SASL variables in mini: the env rules warn that 465/587 stay off.
  if (ctx.variant === 'mini') return {};
  const syntax = dovecotSyntax(ctx.daemons);
  const f = dovecotFiles(ctx.paths);
  const delivery = dovecotDelivers(config);
  const imapHost = config.SMTPD_SASL_IMAPHOST ? parseHostPort(config.SMTPD_SASL_IMAPHOST) : undefined;
  const passwd = renderPasswdFile(config.SMTPD_SASL_CLIENTAUTH ?? []);
  const env = dovecotPassThrough(ctx.env, ctx.dovecotParams, syntax);
  const tls = dovecotTlsFiles(ctx);
  const deny = guardDenyLookup(ctx.paths, syntax);
  const part: Required<Pick<PlanPart, 'files' | 'dirs' | 'errors' | 'warnings' | 'master' | 'remove'>> = {
    files: [
      {
        path: f.conf,
        content: renderDovecotConf(
          { paths: ctx.paths, methods, imapHost, delivery, primaryDomain: configuredDomain(config), deny },
          syntax,
        ),
        mode: 0o644,
        owner: 'root',
        group: 'root',
      },
      secretFile(f.passwd, passwd),
      secretFile(f.env, env.lines.length ? `${env.lines.join('\n')}\n` : ''),
      { path: ctx.paths.dovecotTls, content: renderDovecotTls(tls, syntax), mode: 0o644, owner: 'root', group: 'root' },
    ],
    dirs: [
      { path: ctx.paths.dovecotConf, mode: 0o755, owner: 'root', group: 'root' },
      { path: f.confD, mode: 0o755, owner: 'root', group: 'root' },
      { path: f.stateDir, mode: 0o755, owner: 'root', group: 'root' },
    ],
    errors: [...env.errors],
    warnings: [
      ...env.ignored.map((n) => `${n} ignored: dovecot has no setting ${n.slice('DOVECOT_'.length).toLowerCase()}`),
      ...env.translated.map((t) => `${t}: carried over to Dovecot 2.4's name; use that name`),
    ],
    master: [],
    remove: [],
  };
  if (syntax === '2.4') {
    const ldap = methods.includes('ldap')
      ? { ...ldapPassdb(config), filterVar: config.LDAP_QUERY_FILTER_PASS ? 'LDAP_QUERY_FILTER_PASS' : 'LDAP_QUERY_FILTER_USER' }
      : undefined;
    const sql = methods.includes('sql') ? sqlPassdb(config) : undefined;
    const passdbs = renderPassdbs24({ methods, passwd: f.passwd, deny, ldap, sql, imapHost });
    part.files.push(secretFile(f.passdbs, passdbs.text));
    part.errors.push(...passdbs.errors);
    part.remove.push(f.ldap, f.sql);
  } else {
    if (methods.includes('ldap')) part.files.push(secretFile(f.ldap, renderLdapPassdb(config)));
    if (methods.includes('sql')) part.files.push(secretFile(f.sql, renderSqlPassdb(config)));
    part.remove.push(f.passdbs);
  }
  if (methods.length) part.master.push(...saslServices());
  return part;
}
