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
  const conf = writeLoopbackDovecot(join(base, 'dovecot.conf'), base, [
    'ssl = no',
    'disable_plaintext_auth = no',
    // Every wrong password of the tests reaches this server from 127.0.0.1: no failure delay, no auth penalty.
    'auth_failure_delay = 0',
    'service anvil {\n  unix_listener anvil-auth-penalty {\n    mode = 0\n  }\n}',
    `passdb {\n  driver = passwd-file\n  args = ${join(base, 'passwd')}\n}`,
    `userdb {\n  driver = static\n  args = uid=vmail gid=vmail home=${join(base, 'home/%n')} allow_all_users=yes\n}`,
    `service imap-login {\n  inet_listener imap {\n    port = ${port}\n  }\n  inet_listener imaps {\n    port = 0\n  }\n}`,
  ]);
  const d = await startLoopbackDovecot(conf, port);
  return { ...d, port };
}
