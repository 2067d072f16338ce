import { chmod, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ExecError, GUARD_TABLE_TYPE, guardPostfixRef, type MtaPaths, tableIndex } from '@mta/shared';

// What a banned client hears at RCPT (check_client_access): a temporary refusal, and postfix disconnects after a 421,
// so a legitimate server that was banned by mistake retries later instead of bouncing the mail.
export const BAN_REPLY = '421 4.7.0 Temporarily blocked; try again later';

// postfix's side: an lmdb table keyed by the client address. postfix reads lmdb through its own locks on every
// lookup, so a key put or deleted in place (`postmap -i`, `postmap -d`) is seen by the running smtpd processes at
// once: no reload, no restart, and the cost of one change does not grow with the table (a B-tree update).

// postmap with `input` on stdin; its stdout. node:child_process directly: the shared run() would load execa (~13 MB)
// into a sidecar that must idle under 50 MB, and this runs on every ban.
function postmap(paths: MtaPaths, args: string[], input: string, timeoutMs = 120_000): Promise<{ stdout: string }> {
  const argv = ['-c', paths.postfixConf, ...args];
  const line = `postmap ${argv.join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = process
      .getBuiltinModule('node:child_process')
      .spawn('postmap', argv, { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-600);
    });
    child.once('error', (e) => reject(new ExecError(line, undefined, '', e.message)));
    child.once('close', (code, signal) => {
      if (code === 0) resolve({ stdout: stdout.replace(/\n$/, '') });
      else reject(new ExecError(line, code ?? undefined, stderr.trim(), code === null ? `killed by ${signal}` : `exit code ${code}`));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

const lines = (ips: readonly string[]) => ips.map((ip) => `${ip} ${BAN_REPLY}\n`).join('');

// Puts addresses into the table (-r: a key already there is overwritten without a warning).
export async function postfixAdd(paths: MtaPaths, ips: readonly string[]): Promise<void> {
  if (ips.length) await postmap(paths, ['-i', '-r', guardPostfixRef(paths)], lines(ips));
}

// Deletes addresses; postmap exits 1 without a word when none of them was there, which is not an error here.
export async function postfixRemove(paths: MtaPaths, ips: readonly string[]): Promise<void> {
  if (!ips.length) return;
  try {
    await postmap(paths, ['-d', '-', guardPostfixRef(paths)], ips.map((ip) => `${ip}\n`).join(''));
  } catch (e) {
    if (!(e instanceof ExecError && e.exitCode === 1 && !e.stderrTail)) throw e;
  }
}

// The whole table from nothing (start-up): a source file indexed in one bulk transaction (`postmap -i` would commit
// and sync once per key), under a temp name, renamed over the live index, so postfix never sees it half-built; a
// running smtpd notices the replaced file and restarts before its next connection. Not fsynced: the ban files are
// the truth, and the table is rebuilt from them at every start.
// Whether postfix's table exists (the entry step builds it; a service started without it builds it at once).
export const postfixTablePresent = (paths: MtaPaths): boolean =>
  process.getBuiltinModule('node:fs').existsSync(tableIndex(paths.guardPostfixTable, GUARD_TABLE_TYPE));

// The table's source, a slice of addresses per write: at 100,000 bans the whole text at once (an array of lines, their
// join, its Buffer) was ~20 MB of the guard's peak.
const SOURCE_SLICE = 2048;
async function writeLines(path: string, ips: Iterable<string>): Promise<void> {
  const fh = await open(path, 'wx', 0o600);
  try {
    let text = '';
    let n = 0;
    for (const ip of ips) {
      text += `${ip} ${BAN_REPLY}\n`;
      if (++n % SOURCE_SLICE === 0) {
        await fh.write(text);
        text = '';
      }
    }
    if (text) await fh.write(text);
  } finally {
    await fh.close();
  }
}

export async function postfixRebuild(paths: MtaPaths, ips: Iterable<string>): Promise<void> {
  const table = paths.guardPostfixTable;
  const tmp = join(dirname(table), `.${basename(table)}.guard-tmp`);
  const tmpIndex = tableIndex(tmp, GUARD_TABLE_TYPE);
  const clean = () => Promise.all([rm(tmp, { force: true }), rm(tmpIndex, { force: true })]);
  await clean();
  try {
    await writeLines(tmp, ips);
    await postmap(paths, [`${GUARD_TABLE_TYPE}:${tmp}`], '');
    await chmod(tmpIndex, 0o644);
    await rename(tmpIndex, tableIndex(table, GUARD_TABLE_TYPE));
  } finally {
    await clean();
  }
}

// What postfix finds for an address (postmap -q, the lookup smtpd makes), or undefined (tests, `mta guard`).
export async function postfixLookup(paths: MtaPaths, ip: string): Promise<string | undefined> {
  try {
    return (await postmap(paths, ['-q', ip, guardPostfixRef(paths)], '')).stdout;
  } catch (e) {
    if (e instanceof ExecError && e.exitCode === 1 && !e.stderrTail) return undefined;
    throw e;
  }
}
