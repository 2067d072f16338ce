import { request } from 'node:https';
import type { SecureContextOptions } from 'node:tls';

export const POST_TIMEOUT_MS = 30_000;

// RFC 8460 §5.4: the gzipped report POSTed as application/tlsrpt+gzip. The client is strict: the certificate must
// verify against the system CAs (ca: a test's own) and name the host, TLS 1.2 or later, no redirect followed, a 2xx
// answer counts as taken; whatever the server answers is not read beyond its status.
export function postReport(url: string, gz: Buffer, opts: { ca?: SecureContextOptions['ca']; timeoutMs?: number } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/tlsrpt+gzip', 'content-length': gz.length },
        minVersion: 'TLSv1.2',
        rejectUnauthorized: true,
        ...(opts.ca ? { ca: opts.ca } : {}),
        timeout: opts.timeoutMs ?? POST_TIMEOUT_MS,
      },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve(status);
        else reject(new Error(`the report endpoint answered ${status}`));
      },
    );
    req.on('timeout', () => req.destroy(new Error('the report endpoint timed out')));
    req.on('error', reject);
    req.end(gz);
  });
}
