import type { Server } from 'node:net';
import { type OwnPolicy, serveHttp } from '@mta/shared';

export interface PublishOptions {
  host: string;
  port: number;
  policy: OwnPolicy;
  // Our domains (MAIL_DOMAIN): the policy is served for mta-sts.<domain> of these only.
  domains: readonly string[];
}

const text = (status: number, body: string) => ({ status, type: 'text/plain; charset=utf-8', body });

// The policy endpoint (plain HTTP; the proxy in front terminates TLS for mta-sts.<domain>): GET or HEAD
// /.well-known/mta-sts.txt with a Host of one of our domains' mta-sts names answers the policy as text/plain;
// anything else is 404, so the endpoint never serves a policy for a domain that is not ours.
export function startPolicyEndpoint(o: PublishOptions): Promise<Server> {
  const hosts = new Set(o.domains.map((d) => `mta-sts.${d.toLowerCase()}`));
  return serveHttp(
    o.host,
    o.port,
    async (req) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'method not allowed\n');
      const host = (req.headers.host ?? '').toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
      if (req.path !== '/.well-known/mta-sts.txt' || !hosts.has(host)) return text(404, 'not found\n');
      return { status: 200, type: 'text/plain', body: o.policy.text };
    },
    64,
  );
}
