import { Resolver } from 'node:dns/promises';
import type { KeyEntry, Published } from '@mta/dkim-keys';
import { ErrorCode, formatIssue, mtaPaths, parseEffective, rootOf } from '@mta/shared';
import type { Command } from 'commander';
import { component } from '../component.ts';
import { type CliIo, failure } from '../io.ts';

interface DkimShowOptions {
  // host[:port] of a DNS server to ask instead of the system resolver.
  dns?: string;
  // Skip the DNS comparison (offline hosts).
  offline?: boolean;
}

type DkimModule = typeof import('@mta/dkim-keys');

// Asks DNS for the TXT record of one key; short timeout so an offline host still gets its answer quickly.
async function lookup(dkim: DkimModule, resolver: Resolver, entry: KeyEntry): Promise<Published> {
  if (!entry.info) return { state: 'missing' };
  try {
    return dkim.comparePublished(await resolver.resolveTxt(`${entry.selector}._domainkey.${entry.domain}`), entry.info.fingerprint);
  } catch (e) {
    return dkim.lookupFailure((e as NodeJS.ErrnoException).code);
  }
}

// `mta dkim show [domain]`: selector, bits, fingerprint and TXT value of each key, and whether DNS publishes it.
async function dkimShow(io: CliIo, domain: string | undefined, opts: DkimShowOptions): Promise<void> {
  const parsed = await parseEffective(io.env);
  if (!parsed.ok) {
    for (const e of parsed.errors) io.err(formatIssue(e));
    throw failure(io, ErrorCode.Config);
  }
  const dkim = await component('dkim-keys', 'dkim show', io);
  const keys = await dkim.listKeys(mtaPaths(rootOf(io.env)).dkim);
  const domains = domain ? [domain.toLowerCase()] : [...new Set([...(parsed.config.MAIL_DOMAIN ?? []), ...keys.map((k) => k.domain)])];
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  if (opts.dns) resolver.setServers([opts.dns]);
  let missing = 0;
  for (const d of domains) {
    const mine = keys.filter((k) => k.domain === d);
    if (!mine.length) {
      io.out(`${d}: no DKIM key (selector ${parsed.config.DKIM_SELECTOR}); the dkim-keys service creates it at start`);
      missing++;
      continue;
    }
    for (const k of mine) {
      io.out(`${d}`);
      io.out(`  selector     ${k.selector}${k.selector === parsed.config.DKIM_SELECTOR ? '' : ' (not DKIM_SELECTOR)'}`);
      io.out(`  file         ${k.file}`);
      if (!k.info) {
        io.out(`  problem      ${k.problem}`);
        missing++;
        continue;
      }
      io.out(`  bits         ${k.info.bits}`);
      io.out(`  fingerprint  ${k.info.fingerprint}`);
      io.out(`  record       ${k.selector}._domainkey.${d} TXT`);
      io.out(`  value        ${k.info.dnsValue}`);
      io.out(`  dns          ${opts.offline ? 'not checked (--offline)' : dkim.describePublished(await lookup(dkim, resolver, k))}`);
    }
  }
  if (missing) throw failure(io, ErrorCode.Io);
}

// Adds `dkim show` to the program.
export function registerDkim(program: Command, io: CliIo): void {
  program
    .command('dkim')
    .description('DKIM signing keys')
    .command('show')
    .argument('[domain]', 'one domain (default: every MAIL_DOMAIN and every key file)')
    .description('show selector, size, fingerprint and TXT value of the DKIM keys, and whether DNS publishes them')
    .option('--dns <server>', 'DNS server to check against, host[:port]')
    .option('--offline', 'do not query DNS')
    .action((domain: string | undefined, opts: DkimShowOptions) => dkimShow(io, domain, opts));
}
