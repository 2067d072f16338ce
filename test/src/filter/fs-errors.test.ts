import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { prepareSeedRoot, testInstanceEnv } from '../harness/seeded-postfix.ts';
import { tempRoot } from '../harness/tmp.ts';

// The seed and a sidecar meeting a read-only volume, a full disk and a directory they may not write: real errors from
// real file systems. Mounts are made in a private mount namespace of the child (unshare), so none outlives it.
const SEED_MAIN = fileURLToPath(new URL('../../../sidecars/seed/src/main.ts', import.meta.url));
const DKIM_MAIN = fileURLToPath(new URL('../../../sidecars/dkim-keys/src/main.ts', import.meta.url));
const NODE = [process.execPath, '--conditions=source', '--import', 'tsx'];

interface Run {
  code: number;
  out: string;
}

// Runs `cmd` after `setup` (shell, as root) in a mount namespace of its own; `user` drops to that uid first.
function inMountNs(setup: string, cmd: string[], env: Record<string, string>, user?: number): Run {
  const drop = user === undefined ? [] : ['setpriv', `--reuid=${user}`, `--regid=${user}`, '--clear-groups'];
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-ec', `${setup}\nexec "$@"`, 'sh', ...drop, ...cmd], {
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
    timeout: 90_000,
  });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

const seedEnv = (root: string) => ({
  ...testInstanceEnv(root),
  MTA_ROOT: root,
  MTA_VARIANT: 'full',
  MAIL_DOMAIN: 'example.com',
  NATS_URL: 'nats://127.0.0.1:1',
});

// What every such failure must say: the path, the operation, what to fix; never that a variable is wrong.
function assertTold(r: Run, path: string, errno: string, fix: RegExp): void {
  assert.equal(r.code, 2, r.out);
  const line = r.out.split('\n').find((l) => l.startsWith('seed: cannot ')) ?? '';
  assert.match(
    line,
    new RegExp(`^seed: cannot [a-z (0-9:)]+ ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\S*: .*\\(${errno}\\)$`),
    r.out,
  );
  assert.match(line, fix);
  assert.doesNotMatch(r.out, /environment variable/i);
}

describe('file system errors name the path, the operation and what to fix', { timeout: 240_000 }, () => {
  const roots: { cleanup: () => Promise<void> }[] = [];
  after(async () => {
    for (const r of roots) await r.cleanup();
  });
  const root = async () => {
    const t = await tempRoot('mta-fserr-');
    roots.push(t);
    chmodSync(t.dir, 0o755);
    prepareSeedRoot(t.dir);
    return t.dir;
  };

  it('EROFS: a read-only ClamAV signature volume is used as it is; any other read-only path stops the seed', async () => {
    const r = await root();
    const sigs = join(r, 'var/lib/clamav');
    mkdirSync(sigs, { recursive: true });
    // Mode and owner the seed would change if it tried: on the read-only mount that would fail.
    const ok = inMountNs(
      `mount -t tmpfs -o size=1m,mode=0777 tmpfs ${sigs}\necho sig > ${sigs}/test.hdb\nmount -o remount,ro ${sigs}`,
      [...NODE, SEED_MAIN],
      seedEnv(r),
    );
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /"event":"seed.read_only".*var\/lib\/clamav is read-only: used as it is/);
    assert.doesNotMatch(ok.out, /EROFS/);

    const r2 = await root();
    const etc = join(r2, 'etc/amavis');
    mkdirSync(etc, { recursive: true });
    const ro = inMountNs(`mount -t tmpfs -o ro,size=1m tmpfs ${etc}`, [...NODE, SEED_MAIN], seedEnv(r2));
    assertTold(ro, etc, 'EROFS', /the file system is read-only: mount the volume read-write/);
  });

  it('ENOSPC: a full disk', async () => {
    const r = await root();
    const etc = join(r, 'etc');
    mkdirSync(etc, { recursive: true });
    const full = inMountNs(
      `mount -t tmpfs -o size=64k tmpfs ${etc}\ndd if=/dev/zero of=${etc}/filler bs=4k count=64 2>/dev/null || true`,
      [...NODE, SEED_MAIN],
      seedEnv(r),
    );
    assertTold(full, etc, 'ENOSPC', /no space left on the device: free space/);
  });

  it('EACCES: a directory the process may not write', async () => {
    const r = await root();
    // The start plan (the seed's first step, the first to write under run/mta) as an unprivileged user, as on a volume
    // owned by someone else: it cannot create run/mta.
    mkdirSync(join(r, 'run'), { mode: 0o755 });
    chownSync(join(r, 'run'), 0, 0);
    const denied = inMountNs('true', [...NODE, SEED_MAIN, '--plan'], seedEnv(r), 65534);
    assertTold(denied, join(r, 'run/mta'), 'EACCES', /permission denied: check the owner and mode/);
  });

  it('a sidecar says the same: dkim-keys on a read-only key directory', async () => {
    const r = await root();
    const keys = join(r, 'var/db/dkim');
    mkdirSync(keys, { recursive: true });
    writeFileSync(join(r, 'srv/etc/.docker.unlock'), '');
    const out = inMountNs(`mount -t tmpfs -o ro,size=1m tmpfs ${keys}`, [...NODE, DKIM_MAIN, '--once'], {
      MTA_ROOT: r,
      HOSTNAME: 'mx.example.com',
      MAIL_DOMAIN: 'example.com',
      NATS_URL: 'nats://127.0.0.1:1',
    });
    assert.notEqual(out.code, 0, out.out);
    const fatal = out.out.split('\n').find((l) => l.includes('"level":"fatal"')) ?? '';
    assert.match(
      fatal,
      new RegExp(`cannot [a-z ]+ ${keys}\\S*: the file system is read-only: mount the volume read-write.*\\(EROFS\\)`),
      out.out,
    );
  });
});
