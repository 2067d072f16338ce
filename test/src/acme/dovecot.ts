import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildEffective, mtaPaths, parseEnv, readDaemonFact, writeEffective } from '@mta/shared';
import { writeLoopbackDovecot } from '../harness/index.ts';

// A private dovecot (IMAPS only) whose TLS files come from conf.d/99-mta-tls.conf, as in the image.
export function scaffoldDovecot(confDir: string, stateRoot: string, imapsPort: number, tlsInclude: string): string {
  mkdirSync(join(confDir, 'conf.d'), { recursive: true });
  for (const d of ['run', 'state', 'home']) mkdirSync(join(stateRoot, d), { recursive: true });
  writeFileSync(join(confDir, 'conf.d/99-mta-tls.conf'), tlsInclude);
  const listeners = [
    'service imap-login {',
    '  inet_listener imap {\n    port = 0\n  }',
    `  inet_listener imaps {\n    port = ${imapsPort}\n    ssl = yes\n  }`,
    '}',
  ];
  return writeLoopbackDovecot(join(confDir, 'dovecot.conf'), stateRoot, (syntax) => [
    'ssl = yes',
    '!include conf.d/99-mta-tls.conf',
    ...listeners,
    ...(syntax === '2.4'
      ? [
          'passdb static {\n  driver = static\n  fields {\n    nopassword = yes\n  }\n}',
          `userdb static {\n  driver = static\n  fields {\n    uid = nobody\n    gid = nogroup\n    home = ${join(stateRoot, 'home')}/%{user}\n  }\n}`,
        ]
      : [
          'passdb {\n  driver = static\n  args = nopassword=y\n}',
          `userdb {\n  driver = static\n  args = uid=nobody gid=nogroup home=${join(stateRoot, 'home')}/%u\n}`,
        ]),
  ]);
}

// The effective configuration the seed leaves under root, with the installed daemons' versions: acme-watch rewrites
// the TLS include in the syntax it names.
export async function seedEffective(root: string, hostname: string): Promise<void> {
  const parsed = parseEnv({ HOSTNAME: hostname });
  if (!parsed.ok) throw new Error('test environment refused');
  const daemons = await readDaemonFact();
  await writeEffective(
    mtaPaths(root).effective,
    buildEffective({ config: parsed.config, variant: 'base', root, now: new Date(), source: 'seeding', daemons }),
  );
}
