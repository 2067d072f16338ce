import type { Server } from 'node:net';
import { serveHttp } from '@mta/shared';
import type { Readiness } from './health.ts';
import { CONTENT_TYPE, OPENMETRICS_TYPE } from './registry.ts';

export interface ServerOptions {
  host: string;
  port: number;
  // The exposition, collected on demand.
  metrics: (openMetrics: boolean) => Promise<string>;
  ready: () => Promise<Readiness>;
}

const text = (status: number, body: string) => ({ status, type: 'text/plain; charset=utf-8', body });

// GET (or HEAD) /metrics (text format, OpenMetrics when the Accept header asks), /healthz, /readyz; nothing else.
export function startServer(opts: ServerOptions): Promise<Server> {
  return serveHttp(opts.host, opts.port, async (req) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'method not allowed\n');
    if (req.path === '/metrics') {
      const om = /application\/openmetrics-text/.test(req.headers.accept ?? '');
      return { status: 200, type: om ? OPENMETRICS_TYPE : CONTENT_TYPE, body: await opts.metrics(om) };
    }
    if (req.path === '/healthz') return text(200, 'ok\n');
    if (req.path === '/readyz') {
      const r = await opts.ready();
      return text(r.ok ? 200 : 503, `${r.text}\n`);
    }
    return text(404, 'not found: try /metrics, /healthz, /readyz\n');
  });
}
