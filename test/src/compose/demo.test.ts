import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { before, describe, test } from 'node:test';
import { gatewayWarnings } from '@mta/seed/gateway';
import { type ComposeService, composeServices } from '../docs/compose-env.ts';
import { type Dovecot, startDovecot } from '../dovecot/start-dovecot.ts';
import { eventually, fileScope, type SeededPostfix, seededPostfix, swaks, swaksAuth } from '../harness/index.ts';
import { type Mariadb, startMariadb } from '../harness/mariadb.ts';
import { LDAP_BASE, startSlapd } from '../harness/slapd.ts';

// The demo cannot run here (no docker engine, no mariadb/openldap images): this runs its wiring with the same
// daemons on loopback, configured from compose/ as `cp .env.example .env && make init && make test` would.
const COMPOSE = new URL('../../../compose/', import.meta.url).pathname;
const read = (name: string) => readFileSync(join(COMPOSE, name), 'utf8');

const cleanups = fileScope();

// Compose reads .env before ${VAR-default}; writing its values in as the defaults lets interpolate() apply them.
function services(): ComposeService[] {
  const dotenv = new Map([...read('.env.example').matchAll(/^([A-Za-z_]\w*)=(.*)$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']));
  const yaml = read('compose.yml').replace(/\$\{([A-Za-z_]\w*)(:?-)[^}]*\}/g, (m, name: string, op: string) => {
    const v = dotenv.get(name);
    return v === undefined || (op === ':-' && v === '') ? m : `\${${name}-${v}}`;
  });
  return composeServices(yaml);
}

function environment(all: ComposeService[], name: string): Record<string, string> {
  const svc = all.find((s) => s.name === name) ?? assert.fail(`compose.yml has no service ${name}`);
  const env = Object.entries(svc.environment).filter((e): e is [string, string] => e[1] !== undefined);
  // Docker sets HOSTNAME from `hostname:`; the seed derives MAIL_DOMAIN from it (compose.yml sets no MAIL_DOMAIN).
  return { ...(svc.hostname ? { HOSTNAME: svc.hostname } : {}), ...Object.fromEntries(env) };
}

// What `make auth-add_user` pipes into `docker compose exec -T auth ldap modify`: the recipe runs for real with
// COMPOSE="cat; :", so its printf reaches stdout and the rest of the line becomes a no-op.
function makefileLdif(work: string): string {
  mkdirSync(work);
  copyFileSync(join(COMPOSE, '.env.example'), join(work, '.env'));
  const args = ['-s', '-C', work, '-f', join(COMPOSE, 'Makefile'), 'auth-add_user', 'COMPOSE=cat; :'];
  const ldif = execFileSync('make', args, { env: { PATH: process.env.PATH }, encoding: 'utf8' });
  // `ldap modify` is ldapmodify: -n parses the changes without a server. slapadd loads entries, not changes.
  execFileSync('ldapmodify', ['-n', '-x'], { input: ldif, stdio: 'pipe' });
  return ldif.replace(/^changetype: add\n/gm, '');
}

// The entrypoint of the mariadb image: database and user from MARIADB_*, then every *.sql of initdb.d in that database.
async function initdb(dir: string, env: Record<string, string>): Promise<Mariadb> {
  const q = (s = '') => s.replace(/[\\']/g, '\\$&');
  const { MARIADB_DATABASE: name = '', MARIADB_USER: user, MARIADB_PASSWORD: password } = env;
  mkdirSync(dir);
  const fixture = join(dir, 'entrypoint.sql');
  writeFileSync(
    fixture,
    `CREATE DATABASE IF NOT EXISTS \`${name}\`;\nCREATE USER '${q(user)}'@'%' IDENTIFIED BY '${q(password)}';\n` +
      `GRANT ALL ON \`${name}\`.* TO '${q(user)}'@'%';\n`,
  );
  const db = cleanups.keep(await startMariadb(dir, { fixture }));
  const scripts = readdirSync(join(COMPOSE, 'db')).filter((f) => f.endsWith('.sql'));
  for (const f of scripts.sort()) db.sql(`USE \`${name}\`;\n${read(join('db', f))}`);
  return db;
}

// The maildir messages under the mail root holding `token`, relative to it (what `make test` greps /var/mail for;
// dovecot's index files also quote subjects, so only new/ and cur/ count).
function holding(mta: SeededPostfix, token: string): string[] {
  const files = readdirSync(mta.paths.mail, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  return files
    .map((e) => relative(mta.paths.mail, join(e.parentPath, e.name)))
    .filter((p) => /\/(new|cur)\//.test(p) && readFileSync(join(mta.paths.mail, p), 'utf8').includes(token));
}

describe('compose demo: mta with LDAP mailboxes and MySQL aliases', () => {
  let mta: SeededPostfix;
  let dovecot: Dovecot;
  let db: Mariadb;
  let mtaEnv: Record<string, string>;
  let ldapMail: string[];
  before(async () => {
    const all = services();
    mtaEnv = environment(all, 'mta');
    const t = { dir: await cleanups.dir('mta-compose-') };
    // mlan/openldap creates the suffix entry itself; the Makefile only adds the OUs and the demo user.
    const entries = makefileLdif(join(t.dir, 'make'));
    ldapMail = [...entries.matchAll(/^mail: (.*)$/gm)].map((m) => m[1] ?? '');
    const ldif = join(t.dir, 'directory.ldif');
    writeFileSync(ldif, `dn: ${LDAP_BASE}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: example\n\n${entries}`);
    const slapd = cleanups.keep(await startSlapd(join(t.dir, 'auth'), { ldif }));
    db = await initdb(join(t.dir, 'db'), environment(all, 'db'));

    // The only change to the mta environment: the service names auth and db become the loopback daemons.
    assert.equal(mtaEnv.LDAP_HOST, 'auth');
    assert.equal(mtaEnv.MYSQL_HOST, 'db');
    const env = { ...mtaEnv, LDAP_HOST: `127.0.0.1:${slapd.port}`, MYSQL_HOST: `127.0.0.1:${db.port}` };
    // VIRTUAL_TRANSPORT stays lmtp:unix:private/transport: the seed-rendered dovecot runs as in the image. The
    // variant is base: full adds only the amavis/clamd content filter (test/src/filter), no lookup or delivery wiring.
    mta = cleanups.keep(await seededPostfix({ env, variant: 'base' }));
    dovecot = cleanups.keep(await startDovecot(mta.paths));
  });

  const send = (to: string, token: string) =>
    swaks(['--server', `127.0.0.1:${mta.port}`, '--from', 'test@example.net', '--to', to, '--header', `Subject: ${token}`]);
  const deliveredTo = (token: string, box: string) =>
    eventually(
      () => holding(mta, token).length > 0,
      15_000,
      `delivery of ${token} to ${box}\n${mta.postfix.output().slice(-3000)}\n${dovecot.log().slice(-2000)}`,
    ).then(() => holding(mta, token));

  test('make test: mail to the demo user found in LDAP is accepted and lands in its mailbox only', async () => {
    assert.equal(mtaEnv.VIRTUAL_TRANSPORT, 'lmtp:unix:private/transport');
    const r = send('demo@example.com', 'demo-user-token');
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /<-\s+250 2\.0\.0 Ok: queued/);
    const files = await deliveredTo('demo-user-token', 'demo');
    assert.equal(files.length, 1, files.join(' '));
    // One home per address (/var/mail/<domain>/<name>); the IMAP login "demo" is a user of the primary domain.
    assert.match(files[0] ?? '', /^example\.com\/demo\/new\//);
  });

  test("every alias of init.sql's aliases table is accepted and delivered to its target's mailbox", async () => {
    const rows = db.sql(`SELECT alias, target FROM \`${mtaEnv.MYSQL_DATABASE}\`.aliases ORDER BY id`).trim().split('\n');
    assert.ok(rows.length >= 1 && rows[0], 'init.sql inserts no aliases');
    for (const row of rows) {
      const [alias = '', target = ''] = row.split('\t');
      // Dovecot would file mail for any target; the demo means the user the Makefile adds.
      assert.ok(ldapMail.includes(target), `${alias} -> ${target}: not a mailbox of the Makefile's LDAP user`);
      const token = `alias-${alias}`;
      const r = send(alias, token);
      assert.equal(r.status, 0, r.output);
      const files = await deliveredTo(token, target);
      assert.equal(files.length, 1, files.join(' '));
      assert.equal(files[0]?.split('/').slice(0, 2).join('/'), `${target.split('@')[1]}/${target.split('@')[0]}`);
      // Dovecot's LMTP records the recipient postfix handed it: the alias's target, not the alias.
      const headers = readFileSync(join(mta.paths.mail, files[0] ?? ''), 'utf8').split('\n\n')[0] ?? '';
      assert.ok(headers.split('\n').includes(`Delivered-To: ${target}`), headers);
    }
  });

  test('an unknown user of the domain is refused at RCPT with 550, and nothing is delivered', async () => {
    const r = send('nobody@example.com', 'unknown-token');
    assert.match(r.output, /<\*\*\s+550 5\.1\.1 <nobody@example\.com>/, r.output);
    assert.notEqual(r.status, 0);
    assert.deepEqual(holding(mta, 'unknown-token'), []);
  });

  test("the demo user logs in over submission with the Makefile's LDAP password (LDAP_QUERY_ATTRS_PASS)", () => {
    const auth = (password: string) => swaksAuth(mta.ports.submission, 'demo', password);
    const ok = auth('demo');
    assert.match(ok.output, /<~\s+235 /, ok.output);
    assert.match(auth('wrong').output, /<~\*\s+535 /);
  });

  test("relay trust: loopback and kopano's own address (it sends without a login), never the subnet with its gateway", () => {
    const mynetworks = execFileSync('postconf', ['-c', mta.paths.postfixConf, '-h', 'mynetworks'], { encoding: 'utf8' }).trim();
    assert.equal(mynetworks, '127.0.0.0/8 [::1]/128 172.29.53.30');
    assert.match(read('compose.yml'), /\n {2}app:\n[\s\S]*?ipv4_address: \$\{APP_ADDRESS-172\.29\.53\.30\}/);
    // Docker gives the bridge the subnet's first address: the gateway, where published ports' clients appear.
    assert.match(read('compose.yml'), /subnet: \$\{BACKEND_SUBNET-172\.29\.53\.0\/24\}/);
    assert.deepEqual(gatewayWarnings({ MYNETWORKS: mynetworks.split(' ') }, ['172.29.53.1']), []);
  });
});
