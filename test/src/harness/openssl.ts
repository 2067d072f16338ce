import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

// A self-signed certificate made by openssl, as an operator would give one: <dir>/<name>.crt and <name>.key.
export function opensslSelfSigned(dir: string, name: string, cn: string, opts: { days?: number; ec?: boolean } = {}) {
  const key = opts.ec ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
  const files = { crt: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  const args = ['req', '-x509', ...key, '-nodes', '-days', String(opts.days ?? 30), '-subj', `/CN=${cn}`];
  execFileSync('openssl', [...args, '-keyout', files.key, '-out', files.crt], { stdio: 'pipe' });
  return files;
}
