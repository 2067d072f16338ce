import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Daemon, freePort, startLoopbackDovecot, writeLoopbackDovecot } from '../harness/index.ts';

export interface RemoteImap extends Daemon {
  port: number;
}

// A second, independent dovecot acting as the remote IMAP server of SMTPD_SASL_IMAPHOST: one known user.
export async function startRemoteImap(dir: string, user: { name: string; password: string }): Promise<RemoteImap> {
  const base = join(dir, 'remote-imap');
  mkdirSync(join(base, 'run'), { recursive: true });
  const port = await freePort();
  writeFileSync(join(base, 'passwd'), `${user.name}:{PLAIN}${user.password}\n`);
  const listeners = `service imap-login {\n  inet_listener imap {\n    port = ${port}\n  }\n  inet_listener imaps {\n    port = 0\n  }\n}`;
  // Every wrong password of the tests reaches this server from 127.0.0.1: no failure delay, no auth penalty.
  const anvil = 'service anvil {\n  unix_listener anvil-auth-penalty {\n    mode = 0\n  }\n}';
  const conf = writeLoopbackDovecot(join(base, 'dovecot.conf'), base, (syntax) =>
    syntax === '2.4'
      ? [
          'ssl = no',
          'auth_allow_cleartext = yes',
          'auth_failure_delay = 0',
          anvil,
          `passdb passwd-file {\n  driver = passwd-file\n  passwd_file_path = ${join(base, 'passwd')}\n}`,
          `userdb static {\n  driver = static\n  fields {\n    uid = vmail\n    gid = vmail\n    home = ${join(base, 'home/%{user | username}')}\n  }\n  allow_all_users = yes\n}`,
          'mail_driver = maildir',
          'mail_path = ~',
          listeners,
        ]
      : [
          'ssl = no',
          'disable_plaintext_auth = no',
          'auth_failure_delay = 0',
          anvil,
          `passdb {\n  driver = passwd-file\n  args = ${join(base, 'passwd')}\n}`,
          `userdb {\n  driver = static\n  args = uid=vmail gid=vmail home=${join(base, 'home/%n')} allow_all_users=yes\n}`,
          listeners,
        ],
  );
  const d = await startLoopbackDovecot(conf, port);
  return { ...d, port };
}
