import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Issued, issue, makeCa } from '@mta/acme-watch/testing';
import { freePort, scaffoldConfig, tempRoot } from '../harness/index.ts';

export const HOST = 'mx.example.com';

// A temp root as the seed leaves it before any ACME certificate: TLS on with a self-signed pair, the postfix config
// linked at <root>/etc/postfix (where mtaPaths looks), and <root>/acme/ for Traefik's acme.json.
export interface AcmeRoot {
  dir: string;
  self: Issued;
  selfDir: string;
  pfEtc: string;
  port: number;
  acmeFile: string;
  // Atomic replace of acme.json, as a careful writer (or `mv`) does it.
  replace: (content: string) => Promise<void>;
  cleanup: () => Promise<void>;
}

export async function acmeRoot(prefix: string): Promise<AcmeRoot> {
  const root = await tempRoot(prefix);
  const port = await freePort();
  const self = issue(makeCa('self-signed'), { cn: HOST });
  const selfDir = join(root.dir, 'self');
  mkdirSync(selfDir);
  writeFileSync(join(selfDir, 'cert.pem'), self.certPem);
  writeFileSync(join(selfDir, 'key.pem'), self.keyPem, { mode: 0o600 });
  const pfEtc = scaffoldConfig(join(root.dir, 'pf'), port, {
    smtpd_tls_security_level: 'may',
    smtpd_tls_cert_file: join(selfDir, 'cert.pem'),
    smtpd_tls_key_file: join(selfDir, 'key.pem'),
  });
  mkdirSync(join(root.dir, 'etc'));
  symlinkSync(pfEtc, join(root.dir, 'etc/postfix'));
  mkdirSync(join(root.dir, 'acme'));
  const acmeFile = join(root.dir, 'acme/acme.json');
  const replace = async (content: string) => {
    await writeFile(`${acmeFile}.tmp`, content);
    await rename(`${acmeFile}.tmp`, acmeFile);
  };
  return { dir: root.dir, self, selfDir, pfEtc, port, acmeFile, replace, cleanup: root.cleanup };
}
