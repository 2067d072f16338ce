import { type Ban, BanStore, BanTables, guardProtection } from '@mta/guard';
import {
  type Config,
  detectVariant,
  ErrorCode,
  formatIssue,
  mtaPaths,
  normalizeIp,
  parseDuration,
  parseEffective,
  rootOf,
} from '@mta/shared';
import type { Command } from 'commander';
import { type CliIo, failure } from '../io.ts';
import { addLs } from './ls.ts';

// The seeded values (MYNETWORKS, TRUSTED_PROXIES) from the effective configuration, as the guard sees them.
async function context(io: CliIo): Promise<{ config: Config; paths: ReturnType<typeof mtaPaths>; store: BanStore }> {
  const parsed = await parseEffective(io.env);
  if (!parsed.ok) {
    for (const e of parsed.errors) io.err(formatIssue(e));
    throw failure(io, ErrorCode.Config);
  }
  const paths = mtaPaths(rootOf(io.env));
  return { config: parsed.config, paths, store: new BanStore(paths.guardState) };
}

// The daemons' tables are changed at once for this one address, so a ban works even while the guard service is down;
// the guard, when running, sees the ban file change and publishes the event and the fleet entry.
const tables = (paths: ReturnType<typeof mtaPaths>) => new BanTables(paths, detectVariant(paths.root) !== 'mini');

const row = (b: Ban): string => [b.ip.padEnd(39), b.until.padEnd(24), `${b.origin}@${b.node}`.padEnd(20), b.reason].join(' ');

// `mta guard ls`: the bans in force.
async function guardLs(io: CliIo, opts: { json?: boolean }): Promise<void> {
  const { store } = await context(io);
  const bans = (await store.list()).filter((b) => Date.parse(b.until) > Date.now());
  if (opts.json) {
    for (const b of bans) io.out(JSON.stringify(b));
    return;
  }
  if (!bans.length) {
    io.out('no bans in force');
    return;
  }
  io.out(['address'.padEnd(39), 'until'.padEnd(24), 'by'.padEnd(20), 'reason'].join(' '));
  for (const b of bans) io.out(row(b));
}

// `mta guard ban <ip>`: refused for addresses the guard protects (loopback, MYNETWORKS, proxies, GUARD_IGNORE).
async function guardBan(io: CliIo, raw: string, opts: { for?: string; reason?: string }): Promise<void> {
  const { config, paths, store } = await context(io);
  const ip = normalizeIp(raw);
  if (!ip) {
    throw failure(io, ErrorCode.Usage, `mta guard ban: ${JSON.stringify(raw)} is not an IP address`);
  }
  const seconds = opts.for === undefined ? config.GUARD_BAN_TIME : parseDuration(opts.for);
  if (!seconds || seconds > 365 * 86400) {
    throw failure(
      io,
      ErrorCode.Usage,
      `mta guard ban: --for ${JSON.stringify(opts.for)} is not a duration from 1 s to 365 d (e.g. 600, 10m, 1h, 7d)`,
    );
  }
  const protect = await guardProtection(config, paths.postfixConf);
  if (protect.has(ip)) {
    throw failure(
      io,
      ErrorCode.Validation,
      `mta guard ban: ${ip} is loopback, in MYNETWORKS, a trusted proxy or in GUARD_IGNORE; not banned`,
    );
  }
  const now = Date.now();
  const reason = (opts.reason ?? 'banned by the operator').replace(/[\r\n]+/g, ' ').slice(0, 200);
  const ban: Ban = {
    ip,
    since: new Date(now).toISOString(),
    until: new Date(now + seconds * 1000).toISOString(),
    reason,
    origin: 'operator',
    node: config.MTA_NODE,
  };
  // Tables first: the guard rewrites what it owns from its own view once it sees the file, which then includes this.
  await tables(paths).update([ban], []);
  await store.put(ban);
  io.out(`banned ${ip} until ${ban.until}`);
}

// `mta guard unban <ip>`.
async function guardUnban(io: CliIo, raw: string): Promise<void> {
  const { paths, store } = await context(io);
  const ip = normalizeIp(raw);
  if (!ip || !(await store.remove(ip))) {
    throw failure(io, ErrorCode.Validation, `mta guard unban: ${raw} is not banned`);
  }
  await tables(paths).update([], [ip]);
  io.out(`unbanned ${ip}`);
}

// Registers `mta guard ls|ban|unban`.
export function registerGuard(program: Command, io: CliIo): void {
  const guard = program.command('guard').description('client addresses banned for failed logins and refusals (postfix and dovecot)');
  addLs(guard, 'bans in force: address, until, who banned it, why', (opts) => guardLs(io, opts));
  guard
    .command('ban <ip>')
    .description('ban an address now (never loopback, MYNETWORKS, TRUSTED_PROXIES or GUARD_IGNORE)')
    .option('--for <duration>', 'how long (600, 10m, 1h, 7d); default GUARD_BAN_TIME')
    .option('--reason <text>', 'shown by mta guard ls and in the event')
    .action((ip: string, opts: { for?: string; reason?: string }) => guardBan(io, ip, opts));
  guard
    .command('unban <ip>')
    .description('lift a ban now (in fleet mode, on every node)')
    .action((ip: string) => guardUnban(io, ip));
}
