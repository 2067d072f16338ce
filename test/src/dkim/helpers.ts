import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { mtaPaths } from '@mta/shared';
import { type Daemon, startDaemon } from '../harness/index.ts';

const exec = promisify(execFile);
const SIDECAR_MAIN = fileURLToPath(new URL('../../../sidecars/dkim-keys/src/main.ts', import.meta.url));
const NODE_ARGS = ['--conditions=source', '--import', 'tsx'];

// Sidecar env for a temp root: no NATS unless given, never the host's paths.
const sidecarEnv = (root: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  MTA_ROOT: root,
  HOSTNAME: 'mx.a.test',
  NATS_URL: 'nats://127.0.0.1:1',
  ...extra,
});

// Runs the real sidecar entry point once (`--once`, as the entry step does) and collects its output.
export async function runOnce(root: string, env: Record<string, string | undefined>): Promise<{ code: number; output: string }> {
  try {
    const r = await exec(process.execPath, [...NODE_ARGS, SIDECAR_MAIN, '--once'], { env: sidecarEnv(root, env), timeout: 30_000 });
    return { code: 0, output: r.stdout + r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

// The long-running sidecar (watching the key dir).
export const startSidecarProcess = (root: string, env: Record<string, string | undefined>): Daemon =>
  startDaemon(process.execPath, [...NODE_ARGS, SIDECAR_MAIN], { env: sidecarEnv(root, env) });

export interface AmavisConfOptions {
  port?: number;
  forwardPort?: number;
  // Loopback TXT server for DKIM lookups (set in the config: amavis runs tainted, env values would be refused).
  dnsPort?: number;
}

// Minimal amavisd.conf inside the temp root: no scanners, DKIM signing on, and our snippet included last.
export async function writeAmavisConf(root: string, o: AmavisConfOptions = {}): Promise<string> {
  const home = join(root, 'var/amavis');
  const run = mtaPaths(root);
  for (const d of [join(home, 'tmp'), join(home, 'db'), run.amavisRun]) await mkdir(d, { recursive: true });
  await exec('chown', ['-R', 'amavis:amavis', home, run.amavisRun]);
  const conf = join(root, 'amavisd.conf');
  const lines = [
    'use strict;',
    `$MYHOME = '${home}';`,
    `$TEMPBASE = "$MYHOME/tmp"; $db_home = "$MYHOME/db";`,
    // Where the sidecar looks for it (shared/src/paths.ts), as in the image.
    `$pid_file = '${run.amavisPid}'; $lock_file = '${run.amavisLock}';`,
    `$daemon_user = 'amavis'; $daemon_group = 'amavis';`,
    `$mydomain = 'a.test'; $myhostname = 'mx.a.test';`,
    `$inet_socket_bind = '127.0.0.1'; $inet_socket_port = ${o.port ?? 10024};`,
    '@inet_acl = qw(127.0.0.1);',
    `$forward_method = 'smtp:[127.0.0.1]:${o.forwardPort ?? 10025}'; $notify_method = $forward_method;`,
    '$max_servers = 1; $child_timeout = 20;',
    '@bypass_virus_checks_maps = (1); @bypass_spam_checks_maps = (1); @av_scanners = (); @av_scanners_backup = ();',
    '$enable_dkim_signing = 1; $enable_dkim_verification = 0;',
    '@mynetworks = qw(127.0.0.0/8); $originating = 1;',
    `$do_syslog = 0; $logfile = "$MYHOME/amavis.log"; $log_level = 2;`,
    '$enable_db = 0; $enable_zmq = 0;',
    "@local_domains_maps = (['.a.test']);",
    ...(o.dnsPort
      ? [
          'require Net::DNS::Resolver; require Mail::DKIM::DNS;',
          `Mail::DKIM::DNS::resolver(Net::DNS::Resolver->new(nameservers => ['127.0.0.1'], port => ${o.dnsPort}, recurse => 0));`,
        ]
      : []),
    `include_config_files('${join(root, 'etc/amavis/conf.d/60-mta-dkim')}');`,
    '1;',
    '',
  ];
  await writeFile(conf, lines.join('\n'), { mode: 0o644 });
  return conf;
}

// `amavisd -c conf <cmd>` (showkeys, testkeys): the real amavis reading our snippet.
export async function amavisd(conf: string, args: string[]): Promise<string> {
  const r = await exec('amavisd', ['-c', conf, ...args], { timeout: 30_000 });
  return r.stdout + r.stderr;
}

// Public key of a PEM file, base64 SPKI DER, as openssl sees it (an implementation independent of ours).
export async function opensslPublicKey(file: string): Promise<string> {
  const r = await exec('sh', ['-c', 'openssl pkey -in "$1" -pubout -outform DER | base64 -w0', 'sh', file]);
  return r.stdout.trim();
}
