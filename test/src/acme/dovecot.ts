import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeLoopbackDovecot } from '../harness/index.ts';

// A private dovecot (IMAPS only) whose TLS files come from conf.d/99-mta-tls.conf, as in the image.
export function scaffoldDovecot(confDir: string, stateRoot: string, imapsPort: number, tlsInclude: string): string {
  mkdirSync(join(confDir, 'conf.d'), { recursive: true });
  for (const d of ['run', 'state', 'home']) mkdirSync(join(stateRoot, d), { recursive: true });
  writeFileSync(join(confDir, 'conf.d/99-mta-tls.conf'), tlsInclude);
  return writeLoopbackDovecot(join(confDir, 'dovecot.conf'), stateRoot, [
    'ssl = yes',
    '!include conf.d/99-mta-tls.conf',
    'service imap-login {',
    '  inet_listener imap {\n    port = 0\n  }',
    `  inet_listener imaps {\n    port = ${imapsPort}\n    ssl = yes\n  }`,
    '}',
    'passdb {\n  driver = static\n  args = nopassword=y\n}',
    `userdb {\n  driver = static\n  args = uid=nobody gid=nogroup home=${join(stateRoot, 'home')}/%u\n}`,
  ]);
}
