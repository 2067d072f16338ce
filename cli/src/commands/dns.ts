import { dmarcReportFrom, ErrorCode, formatIssue, mtaPaths, ownPolicy, parseEffective, rootOf, stsZoneLines } from '@mta/shared';
import type { Command } from 'commander';
import { component } from '../component.ts';
import { type CliIo, failure } from '../io.ts';

// `mta dns [domain]`: the MX, SPF, DKIM and DMARC records a user must publish, ready for a zone file; then MTA-STS
// (when our policy is published) and TLS reporting.
async function dnsRecords(io: CliIo, domain: string | undefined): Promise<void> {
  const parsed = await parseEffective(io.env);
  if (!parsed.ok) {
    for (const e of parsed.errors) io.err(formatIssue(e));
    throw failure(io, ErrorCode.Config);
  }
  const { config } = parsed;
  const domains = domain ? [domain.toLowerCase()] : (config.MAIL_DOMAIN ?? []);
  if (!domains.length) {
    throw failure(io, ErrorCode.Config, 'no domain: give one or set MAIL_DOMAIN');
  }
  const { listKeys, renderDomainRecords } = await component('dkim-keys', 'dns', io);
  const keys = await listKeys(mtaPaths(rootOf(io.env)).dkim);
  const policy = ownPolicy(config);
  const blocks = domains.map((d) => {
    const dkim = keys
      .filter((k) => k.domain === d && k.info)
      // The key amavis signs with (DKIM_SELECTOR) first.
      .sort((a, b) => Number(b.selector === config.DKIM_SELECTOR) - Number(a.selector === config.DKIM_SELECTOR))
      .map((k) => ({ selector: k.selector, dnsValue: k.info?.dnsValue ?? '' }));
    // With DMARC_REPORTS=yes the report address also takes the reports others send about our domains.
    const rua = config.DMARC_REPORTS ? { rua: dmarcReportFrom(config) } : {};
    return [renderDomainRecords({ domain: d, mx: config.HOSTNAME ?? 'localhost', dkim, ...rua }), ...stsZoneLines(d, policy)].join('\n');
  });
  io.out(blocks.join('\n\n'));
}

// Adds `dns` to the program.
export function registerDns(program: Command, io: CliIo): void {
  program
    .command('dns')
    .argument('[domain]', 'one domain (default: every MAIL_DOMAIN)')
    .description('print the MX, SPF, DKIM, DMARC, MTA-STS and TLS-RPT records to publish, in zone-file syntax')
    .action((domain: string | undefined) => dnsRecords(io, domain));
}
