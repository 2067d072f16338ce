import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MtaPaths } from '@mta/shared';
import { type Daemon, eventually, freePort, startDaemon, type TestNetns, waitForPort, whenReady } from '../harness/index.ts';

// What the seed needs to hand mail to dovecot over LMTP, with TLS for the SASL ports (base and full).
export const DOVECOT_DELIVERY = { MAIL_DOMAIN: 'example.com', SMTPD_USE_TLS: 'yes', VIRTUAL_TRANSPORT: 'lmtp:unix:private/transport' };

export interface Dovecot extends Daemon {
  conf: string;
  ports: { imap: number; imaps: number; pop3: number; pop3s: number };
  log: () => string;
  // `doveadm auth test user password` as postfix asks it (service smtp): true when dovecot accepts the password.
  authTest: (user: string, password: string) => boolean;
  // `doveconf -n`: the settings dovecot actually runs with.
  effective: () => string;
}

// Starts the seed-rendered dovecot of a test root in the foreground, moved to loopback test ports by one extra
// conf.d file (the image uses 143/993/110/995 on all interfaces).
// `ns`: inside that namespace; `logDir`: log to <root>/run/mta/log/dovecot/current as in the image.
// `ports`: the listeners' ports (behind the PROXY gate: the loopback ports the gate forwards to); free ones otherwise.
export async function startDovecot(
  paths: MtaPaths,
  opts: { ns?: TestNetns; logDir?: boolean; ports?: Dovecot['ports'] } = {},
): Promise<Dovecot> {
  const conf = join(paths.dovecotConf, 'dovecot.conf');
  const ports = opts.ports ?? { imap: await freePort(), imaps: await freePort(), pop3: await freePort(), pop3s: await freePort() };
  const logFile = opts.logDir ? join(paths.logDir, 'dovecot', 'current') : join(paths.root, 'dovecot.log');
  if (opts.logDir) mkdirSync(join(paths.logDir, 'dovecot'), { recursive: true });
  // The image keeps the packaged conf.d snippets next to ours; so do the tests, to prove they are not read.
  const confD = join(paths.dovecotConf, 'conf.d');
  for (const f of readdirSync('/etc/dovecot/conf.d')) if (f.endsWith('.conf')) copyFileSync(join('/etc/dovecot/conf.d', f), join(confD, f));
  const listener = (name: string, port: number) => `  inet_listener ${name} {\n    port = ${port}\n  }`;
  writeFileSync(
    join(paths.dovecotConf, 'conf.d', '98-mta-test-ports.conf'),
    [
      'listen = 127.0.0.1',
      `log_path = ${logFile}`,
      'service imap-login {',
      listener('imap', ports.imap),
      listener('imaps', ports.imaps),
      '}',
      'service pop3-login {',
      listener('pop3', ports.pop3),
      listener('pop3s', ports.pop3s),
      '}',
      '',
    ].join('\n'),
  );
  const d = opts.ns ? opts.ns.start('dovecot', ['-c', conf, '-F']) : startDaemon('dovecot', ['-c', conf, '-F']);
  const log = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return d.output();
    }
  };
  await whenReady(
    d,
    'dovecot',
    async () => {
      // The SASL socket for postfix always exists; IMAP only when dovecot holds the mailboxes.
      await eventually(() => existsSync(join(paths.postfixQueue, 'private', 'auth')), 15_000, 'dovecot auth socket');
      if (/^protocols = .*imap/m.test(readFileSync(conf, 'utf8')))
        await (opts.ns ? opts.ns.waitForPort(ports.imap) : waitForPort(ports.imap));
    },
    () => `\n${log()}`,
  );
  const authTest = (user: string, password: string) => {
    try {
      execFileSync('doveadm', ['-c', conf, 'auth', 'test', '-x', 'service=smtp', user, password], { stdio: 'pipe' });
      return true;
    } catch {
      return false;
    }
  };
  const effective = () => execFileSync('doveconf', ['-c', conf, '-n'], { stdio: 'pipe' }).toString();
  return { ...d, conf, ports, log, authTest, effective };
}
