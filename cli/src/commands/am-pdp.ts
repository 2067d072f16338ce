import { connect } from 'node:net';
import { ErrorCode, MtaError } from '@mta/shared';

const END = /\r?\n\r?\n$/;

// Ordered pairs: AM.PDP allows repeated names (several recipient= lines).
export type PdpAttrs = [string, string][];

// AM.PDP (amavis policy protocol): name=value lines, values %-encoded, an empty line ends a message.
// amavis answers with CRLF line ends and accepts bare LF.
export function encodePdp(attrs: PdpAttrs): string {
  const enc = (s: string) => s.replace(/[^\x21-\x24\x26-\x3c\x3e-\x7e]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return `${attrs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('\n')}\n\n`;
}

// Replies may repeat a name (setreply), so values are lists.
export function decodePdp(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf('=');
    if (i <= 0) continue;
    const dec = (s: string) => decodeURIComponent(s.replace(/%(?![0-9a-fA-F]{2})/g, '%25'));
    const k = dec(line.slice(0, i));
    out.set(k, [...(out.get(k) ?? []), dec(line.slice(i + 1))]);
  }
  return out;
}

// One request/response on amavis's unix socket, with a deadline so a hung amavis cannot hang the CLI.
export function pdpRequest(socket: string, attrs: PdpAttrs, timeoutMs = 30_000): Promise<Map<string, string[]>> {
  return new Promise((resolve, reject) => {
    const s = connect(socket);
    let buf = '';
    const fail = (msg: string, cause?: unknown) => {
      s.destroy();
      reject(new MtaError(ErrorCode.Exec, `amavis at ${socket}: ${msg}`, { cause }));
    };
    s.setTimeout(timeoutMs, () => fail(`no answer within ${timeoutMs} ms`));
    s.once('error', (e) => fail(`cannot connect (${(e as NodeJS.ErrnoException).code ?? e.message}); is amavis running?`, e));
    s.once('connect', () => s.write(encodePdp(attrs)));
    s.on('data', (d) => {
      buf += d.toString('utf8');
      if (END.test(buf)) {
        s.end();
        resolve(decodePdp(buf));
      }
    });
    s.once('end', () => {
      if (!END.test(buf)) fail('connection closed without an answer');
    });
  });
}
