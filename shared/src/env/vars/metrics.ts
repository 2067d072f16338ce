import { check, invalid, parseHostPort, q, yesNo } from '../checks.ts';
import { ALL, defineVar } from '../spec.ts';
import { duration } from './defence.ts';

// host:port with a port; IPv6 in brackets.
export const listen = check((raw) => {
  const hp = parseHostPort(raw);
  if (!hp?.port) return invalid(`${q(raw)} is not host:port (e.g. 127.0.0.1:9154 or 0.0.0.0:9154)`);
  return { host: hp.host.replace(/^\[|\]$/g, ''), port: hp.port };
});

export const metricsVars = {
  METRICS: defineVar({
    live: true,
    schema: yesNo,
    topic: 'metrics',
    variants: ALL,
    description: 'The metrics sidecar: Prometheus /metrics, /healthz and /readyz on METRICS_LISTEN.',
    format: 'yes | no',
    example: 'yes',
    default: 'no',
  }),
  METRICS_LISTEN: defineVar({
    live: true,
    schema: listen,
    topic: 'metrics',
    variants: ALL,
    description:
      'Where the metrics sidecar listens. Loopback by default (reachable from inside the container only); 0.0.0.0:9154 for a Prometheus in another container.',
    format: 'host:port',
    example: '0.0.0.0:9154',
    default: '127.0.0.1:9154',
  }),
  METRICS_SCRAPE_CACHE: defineVar({
    live: true,
    schema: duration(0, 300),
    topic: 'metrics',
    variants: ALL,
    description:
      'How long one reading of the queue, certificate, DKIM keys and services answers further /metrics requests; requests that come while it runs share it. Counters from the logs are always current. 0: every request reads everything again (benchmarks only: each scrape then walks the whole queue).',
    format: 'seconds, or a number with s/m',
    example: '15s',
    default: '1s',
  }),
};
