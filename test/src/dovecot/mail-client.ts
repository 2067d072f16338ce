import { connect } from 'node:tls';

// A scripted TLS conversation: sends each command once the previous answer ends with `done(answer)`; returns the
// transcript. Enough for IMAPS/POP3S checks without an IMAP library.
async function tlsConversation(
  port: number,
  steps: { send?: string; done: (buffer: string) => boolean }[],
  timeoutMs = 10_000,
): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
  let transcript = '';
  let buffer = '';
  const timer = setTimeout(() => socket.destroy(new Error(`timed out; transcript so far:\n${transcript}`)), timeoutMs);
  try {
    return await new Promise<string>((resolve, reject) => {
      let i = 0;
      socket.on('error', reject);
      socket.on('data', (d) => {
        buffer += d.toString();
        transcript += d.toString();
        while (i < steps.length && steps[i]!.done(buffer)) {
          buffer = '';
          i++;
          const next = steps[i];
          if (!next) return resolve(transcript);
          if (next.send !== undefined) socket.write(`${next.send}\r\n`);
        }
      });
    });
  } finally {
    clearTimeout(timer);
    socket.destroy();
  }
}

const tagged = (tag: string) => (b: string) => new RegExp(`^${tag} (OK|NO|BAD)`, 'm').test(b);
const pop = (b: string) => /^(\+OK|-ERR)/m.test(b) && b.endsWith('\r\n');
const popMulti = (b: string) => /^-ERR/m.test(b) || /\r\n\.\r\n$/.test(b);

// Logs in over IMAPS and fetches the INBOX's message bodies.
export function imapsFetchAll(port: number, user: string, password: string): Promise<string> {
  return tlsConversation(port, [
    { done: (b) => /^\* OK/m.test(b) },
    { send: `a LOGIN ${user} "${password}"`, done: tagged('a') },
    { send: 'b SELECT INBOX', done: tagged('b') },
    { send: 'c FETCH 1:* BODY[]', done: tagged('c') },
    { send: 'd LOGOUT', done: tagged('d') },
  ]);
}

// Logs in over POP3S and retrieves the first message.
export function pop3sRetrFirst(port: number, user: string, password: string): Promise<string> {
  return tlsConversation(port, [
    { done: pop },
    { send: `USER ${user}`, done: pop },
    { send: `PASS ${password}`, done: pop },
    { send: 'RETR 1', done: popMulti },
    { send: 'QUIT', done: pop },
  ]);
}
