import { spawnSync } from 'node:child_process';

export interface SwaksResult {
  status: number;
  output: string;
}

// Sends one message with swaks (a real SMTP client) and returns its transcript.
export function swaks(args: string[]): SwaksResult {
  const r = spawnSync('swaks', ['--hide-informational', '--timeout', '10', ...args], { encoding: 'utf8' });
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

// An AUTH PLAIN on a loopback submission port after STARTTLS, quitting after AUTH: the transcript shows 235 or 535.
export function swaksAuth(port: number | undefined, user: string, password: string): SwaksResult {
  return swaks([
    '--server',
    `127.0.0.1:${port}`,
    '--tls',
    '--quit-after',
    'AUTH',
    '--auth',
    'PLAIN',
    '--auth-user',
    user,
    '--auth-password',
    password,
  ]);
}
