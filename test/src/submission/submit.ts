import { spawn } from 'node:child_process';
import type { SwaksResult } from '../harness/swaks.ts';

export interface Login {
  user: string;
  password: string;
}

export interface Submission {
  port: number;
  // STARTTLS on 587, or implicit TLS on 465.
  tls?: '--tls' | '--tlsc';
  login: Login;
  // MAIL FROM.
  envelope: string;
  to?: string;
  // The header block (lines without the final blank line); Date and Message-ID are added.
  headers: string[];
  // Each session from its own loopback address: dovecot's auth penalty after a failure must not slow the next one.
  source?: string;
}

let next = 10;

// One authenticated submission with swaks (async: the test process may serve the sink or DNS meanwhile).
export function submit(s: Submission): Promise<SwaksResult> {
  const data = [
    ...s.headers,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${Math.random().toString(36).slice(2)}@test>`,
    '',
    'body',
    '',
  ].join('\r\n');
  const args = [
    '--hide-informational',
    '--timeout',
    '20',
    '--server',
    `127.0.0.1:${s.port}`,
    s.tls ?? '--tls',
    '--auth',
    'PLAIN',
    '--auth-user',
    s.login.user,
    '--auth-password',
    s.login.password,
    '--from',
    s.envelope,
    '--to',
    s.to ?? 'someone@elsewhere.test',
    '--local-interface',
    s.source ?? `127.0.2.${(next++ % 250) + 1}`,
    '--data',
    data,
  ];
  return new Promise((resolve) => {
    const p = spawn('swaks', args);
    let output = '';
    p.stdout.on('data', (d) => (output += d));
    p.stderr.on('data', (d) => (output += d));
    p.on('close', (code) => resolve({ status: code ?? -1, output }));
  });
}

// The reply to the end of DATA: "250 …" (queued) or the refusal; or, when the session ended earlier, its last reply.
export function dataReply(r: SwaksResult): string {
  const lines = r.output.split('\n').map((l) => l.trim());
  const dot = lines.findIndex((l) => /^[~-]> \.$/.test(l));
  const replies = lines.slice(dot + 1).filter((l) => /^<\S*\s+\d{3} /.test(l));
  const reply = dot >= 0 ? replies[0] : lines.filter((l) => /^<\S*\s+\d{3} /.test(l)).at(-1);
  return reply?.replace(/^<\S*\s+/, '') ?? `no reply in:\n${r.output}`;
}
