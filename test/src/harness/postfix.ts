import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Daemon, startDaemon, whenReady } from './daemon.ts';
import { freePort, waitForPort } from './net.ts';
import type { TestNetns } from './netns.ts';

export interface Postfix extends Daemon {
  configDir: string;
  port: number;
  postconf: (...args: string[]) => string;
}

export const postfixIds = () => ({
  uid: Number(execFileSync('id', ['-u', 'postfix']).toString()),
  gid: Number(execFileSync('id', ['-g', 'postfix']).toString()),
});

// The settings every test instance needs: private queue/data dirs, loopback only, no chroot. The log goes to a
// file: postlogd cannot open /dev/stdout when stdout is a socket, which is what Node's child pipes are.
function instanceSettings(root: string, port: number): Record<string, string> {
  return {
    compatibility_level: '3.6',
    queue_directory: join(root, 'spool'),
    data_directory: join(root, 'data'),
    mail_owner: 'postfix',
    setgid_group: 'postdrop',
    inet_interfaces: '127.0.0.1',
    inet_protocols: 'ipv4',
    maillog_file: join(root, 'maillog'),
    maillog_file_prefixes: `/var,/dev/stdout,${root}`,
    smtputf8_enable: 'no',
    smtpd_banner: `$myhostname ESMTP test-${port}`,
  };
}

// Writes a minimal config dir from the packaged master.cf with smtpd moved to `port`.
export function scaffoldConfig(root: string, port: number, main: Record<string, string>): string {
  const etc = join(root, 'etc');
  for (const d of [etc, join(root, 'spool'), join(root, 'data')]) mkdirSync(d, { recursive: true });
  chownSync(join(root, 'data'), postfixIds().uid, postfixIds().gid);
  execFileSync('cp', ['/etc/postfix/master.cf.proto', join(etc, 'master.cf')]);
  execFileSync('touch', [join(etc, 'main.cf')]);
  const settings = { ...instanceSettings(root, port), ...main };
  execFileSync('postconf', ['-c', etc, '-e', ...Object.entries(settings).map(([k, v]) => `${k}=${v}`)]);
  execFileSync('postconf', ['-c', etc, '-F', '*/*/chroot=n']);
  execFileSync('postconf', ['-c', etc, '-M#', 'smtp/inet']);
  execFileSync('postconf', ['-c', etc, '-M', `${port}/inet=${port} inet n - n - - smtpd`]);
  return etc;
}

// Runs `postfix start-fg` on a prepared config dir (inside `ns` when given) and waits until smtpd answers.
export async function startPostfix(configDir: string, port: number, ns?: TestNetns): Promise<Postfix> {
  execFileSync('postfix', ['-c', configDir, 'check']);
  const d = ns ? ns.start('postfix', ['-c', configDir, 'start-fg']) : startDaemon('postfix', ['-c', configDir, 'start-fg']);
  await whenReady(d, 'postfix', () => (ns ? ns.waitForPort(port) : waitForPort(port)));
  const logFile = execFileSync('postconf', ['-c', configDir, '-h', 'maillog_file']).toString().trim();
  return {
    ...d,
    output: () => {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return d.output();
      }
    },
    configDir,
    port,
    postconf: (...args) => execFileSync('postconf', ['-c', configDir, ...args]).toString(),
    stop: async () => {
      try {
        execFileSync('postfix', ['-c', configDir, 'stop'], { stdio: 'ignore' });
      } catch {
        // already stopped
      }
      await d.stop();
    },
  };
}

export { freePort };

// main.cf settings that send all outgoing mail to a local test sink, with retries that come fast in tests (the
// behaviour, deferred then delivered, is the same as with the defaults).
export const toSink = (port: number): Record<string, string> => ({
  default_transport: `smtp:[127.0.0.1]:${port}`,
  relay_transport: `smtp:[127.0.0.1]:${port}`,
  smtp_dns_support_level: 'disabled',
  queue_run_delay: '2s',
  minimal_backoff_time: '2s',
  maximal_backoff_time: '4s',
});
