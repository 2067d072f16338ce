import { createServer, type Server } from 'node:http';
import type { Readiness } from './health.ts';
import { CONTENT_TYPE, OPENMETRICS_TYPE } from './registry.ts';

export interface ServerOptions {
  host: string;
  port: number;
  // The exposition, collected on demand.
  metrics: (openMetrics: boolean) => Promise<string>;
  ready: () => Promise<Readiness>;
}

// GET /metrics (text format, OpenMetrics when the Accept header asks), /healthz, /readyz; nothing else. No request
// body is read and slow clients are cut off: the port may face a network.
export function startServer(o: ServerOptions): Promise<Server> {
  const server = createServer(async (req, res) => {
    const send = (code: number, type: string, body: string) => {
      res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'method not allowed\n');
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (path === '/metrics') {
        const om = /application\/openmetrics-text/.test(req.headers.accept ?? '');
        return send(200, om ? OPENMETRICS_TYPE : CONTENT_TYPE, await o.metrics(om));
      }
      if (path === '/healthz') return send(200, 'text/plain', 'ok\n');
      if (path === '/readyz') {
        const r = await o.ready();
        return send(r.ok ? 200 : 503, 'text/plain', `${r.text}\n`);
      }
      return send(404, 'text/plain', 'not found: try /metrics, /healthz, /readyz\n');
    } catch (e) {
      return send(500, 'text/plain', `error: ${(e as Error).message}\n`);
    }
  });
  server.headersTimeout = 5000;
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 5000;
  server.maxHeadersCount = 50;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve(server));
  });
}
