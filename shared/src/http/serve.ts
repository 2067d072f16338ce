import { createServer, type Server, type Socket } from 'node:net';
import { listenLean } from './listen.ts';

export interface HttpRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
}

export interface HttpResponse {
  status: number;
  type: string;
  body: string;
}

const SENDER_REASONS: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};
const MAX_HEAD = 8192;
// Prometheus needs one or two connections (a policy endpoint behind a proxy a few more); more are refused at once,
// so a client opening many cannot make the sidecar hold sockets (or requests) for all of them.
const MAX_CONNECTIONS = 16;
// From accept: the whole request head within HEAD_MS (not per packet: a byte every few seconds does not keep a
// connection), and nothing, answered or not, stays open past LIFETIME_MS.
const HEAD_MS = 5000;
const LIFETIME_MS = 60_000;

// The request line and headers of one HTTP/1.x request head ("GET /metrics HTTP/1.1\r\nAccept: …\r\n\r\n").
function parseHead(head: string): HttpRequest | undefined {
  const [line = '', ...rest] = head.split('\r\n');
  const m = /^([A-Z]{1,10}) (\/[^\s]*) HTTP\/1\.[01]$/.exec(line);
  if (!m) return undefined;
  const headers: Record<string, string> = {};
  for (const h of rest) {
    const i = h.indexOf(':');
    if (i > 0) headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
  }
  return { method: m[1] as string, path: (m[2] as string).split('?')[0] as string, headers };
}

// A minimal HTTP/1.1 server for a few GET endpoints (metrics, the MTA-STS policy): one request per connection
// (Connection: close), no request body read, heads over 8 KB or slower than 5 s refused, at most maxConnections at
// once. node:http would cost the metrics sidecar ~5 MB of its 50.
export function serveHttp(
  host: string,
  port: number,
  handle: (r: HttpRequest) => Promise<HttpResponse>,
  maxConnections = MAX_CONNECTIONS,
): Promise<Server> {
  const server = createServer((socket: Socket) => {
    let head = '';
    let done = false;
    const headTimer = setTimeout(() => socket.destroy(), HEAD_MS);
    const lifeTimer = setTimeout(() => socket.destroy(), LIFETIME_MS);
    socket.on('close', () => {
      clearTimeout(headTimer);
      clearTimeout(lifeTimer);
    });
    socket.on('error', () => socket.destroy());
    const reply = (req: HttpRequest | undefined, r: HttpResponse) => {
      done = true;
      clearTimeout(headTimer);
      const body = req?.method === 'HEAD' ? '' : r.body;
      socket.end(
        `HTTP/1.1 ${r.status} ${SENDER_REASONS[r.status] ?? ''}\r\ncontent-type: ${r.type}\r\ncontent-length: ${Buffer.byteLength(r.body)}\r\n` +
          `cache-control: no-store\r\nconnection: close\r\n\r\n${body}`,
      );
    };
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      if (done) return;
      head += chunk;
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > MAX_HEAD) reply(undefined, { status: 400, type: 'text/plain', body: 'request head too large\n' });
        return;
      }
      const req = parseHead(head.slice(0, end));
      clearTimeout(headTimer);
      if (!req) return reply(undefined, { status: 400, type: 'text/plain', body: 'bad request\n' });
      void handle(req).then(
        (r) => reply(req, r),
        (e: Error) => reply(req, { status: 500, type: 'text/plain', body: `error: ${e.message}\n` }),
      );
    });
  });
  server.maxConnections = maxConnections;
  return listenLean(server, host, port);
}
