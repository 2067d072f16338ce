import { writeFileSync } from 'node:fs';
import { type Daemon, startDaemon, whenReady } from './daemon.ts';
import { waitForPort } from './net.ts';

// A stand-in dovecot.conf: its own state, log and sockets under stateRoot, IMAP on loopback only, then the test's lines.
export function writeLoopbackDovecot(conf: string, stateRoot: string, lines: string[]): string {
  const head = [`base_dir = ${stateRoot}/run`, `state_dir = ${stateRoot}/state`, `log_path = ${stateRoot}/dovecot.log`];
  writeFileSync(conf, [...head, 'protocols = imap', 'listen = 127.0.0.1', ...lines, ''].join('\n'));
  return conf;
}

// Runs it in the foreground until its IMAP port answers.
export function startLoopbackDovecot(conf: string, port: number): Promise<Daemon> {
  return whenReady(startDaemon('dovecot', ['-c', conf, '-F']), 'dovecot', () => waitForPort(port));
}
