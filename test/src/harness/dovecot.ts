import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { type DovecotSyntax, dovecotSyntax, dovecotTlsLines } from '@mta/shared';
import { type Daemon, startDaemon, whenReady } from './daemon.ts';
import { waitForPort } from './net.ts';

let syntax: DovecotSyntax | undefined;

// The configuration syntax of the dovecot the tests run (bookworm's 2.3, trixie's 2.4), asked once.
export function installedDovecotSyntax(): DovecotSyntax {
  syntax ??= dovecotSyntax({ dovecot: execFileSync('dovecot', ['--version'], { encoding: 'utf8' }) });
  return syntax;
}

// The certificate and key lines of a TLS include in the installed dovecot's syntax.
export const dovecotTlsInclude = (cert: string, key: string): string =>
  `${dovecotTlsLines(installedDovecotSyntax(), cert, key).join('\n')}\n`;

// A stand-in dovecot.conf: its own state, log and sockets under stateRoot, IMAP on loopback only, then the test's
// lines (in the installed dovecot's syntax: `lines` gets it).
export function writeLoopbackDovecot(conf: string, stateRoot: string, lines: string[] | ((s: DovecotSyntax) => string[])): string {
  const s = installedDovecotSyntax();
  const versions = s === '2.4' ? ['dovecot_config_version = 2.4.0', 'dovecot_storage_version = 2.3.0'] : [];
  const head = [...versions, `base_dir = ${stateRoot}/run`, `state_dir = ${stateRoot}/state`, `log_path = ${stateRoot}/dovecot.log`];
  const body = typeof lines === 'function' ? lines(s) : lines;
  writeFileSync(conf, [...head, 'protocols = imap', 'listen = 127.0.0.1', ...body, ''].join('\n'));
  return conf;
}

// Runs it in the foreground until its IMAP port answers.
export function startLoopbackDovecot(conf: string, port: number): Promise<Daemon> {
  return whenReady(startDaemon('dovecot', ['-c', conf, '-F']), 'dovecot', () => waitForPort(port));
}
