import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  daemonVersions,
  debianRelease,
  detectVariant,
  MAILBOX_SOURCES,
  mtaPaths,
  parseEffective,
  rootOf,
  run,
  scrub,
  secretValues,
  seedGate,
} from '@mta/shared';
import type { CliIo } from '../io.ts';
import { certificateStatus } from './status-cert.ts';

// runit's view of every service: one line each ("run: postfix: (pid 12) 300s").
async function services(serviceDir: string): Promise<string[]> {
  if (!existsSync(serviceDir)) return [];
  const names = readdirSync(serviceDir).sort();
  if (!names.length) return [];
  try {
    const r = await run('sv', ['status', ...names.map((n) => join(serviceDir, n))], { timeoutMs: 5000, okExitCodes: [1] });
    return r.stdout.split('\n').filter(Boolean);
  } catch (e) {
    return [`sv status failed: ${(e as Error).message}`];
  }
}

// One main.cf parameter as written (continuation lines joined), or undefined when main.cf or the parameter is missing.
function mainCf(dir: string, name: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, 'main.cf'), 'utf8');
  } catch {
    return undefined;
  }
  const m = new RegExp(`^${name}\\s*=[ \\t]*(.*(?:\\n[ \\t]+.*)*)`, 'm').exec(text);
  return m?.[1]?.replace(/\s+/g, ' ').trim();
}

// What the seeded postfix does with mail for its domains: deliver it here, or relay it like any other.
function delivery(postfixConf: string): string | undefined {
  const local = mainCf(postfixConf, 'virtual_mailbox_domains');
  if (local === undefined) return undefined;
  return local
    ? `mailboxes for ${local}`
    : `relay only (no mailbox source; ${MAILBOX_SOURCES.join(', ')} or the other LDAP/MySQL lookups configure mailboxes)`;
}

// `mta status`: variant, Debian release, daemon versions, node, domains, whether seeding is pending, and the
// supervised services.
export async function status(io: CliIo, root = rootOf(io.env)): Promise<void> {
  const paths = mtaPaths(root);
  const parsed = await parseEffective(io.env);
  const versions = daemonVersions(root);
  io.out(`variant: ${detectVariant(root)}`);
  const debian = debianRelease(root);
  if (debian) io.out(`debian: ${debian}`);
  const daemons = await versions;
  if (daemons.length) io.out(`daemons: ${daemons.join(', ')}`);
  if (parsed.ok) {
    io.out(`node: ${parsed.config.MTA_NODE}`);
    io.out(`domains: ${(parsed.config.MAIL_DOMAIN ?? []).join(' ')}`);
    // Credentials in NATS_URL (nats://user:password@host) are shown as [redacted].
    io.out(`bus: ${scrub(parsed.config.NATS_URL.join(','), secretValues(io.env))}`);
    const gate = seedGate(parsed.env, root);
    io.out(`seeding: ${gate.force ? 'at every start (FORCE_CONFIG)' : gate.run ? 'pending (unlock file present)' : 'done'}`);
  } else {
    io.out(`configuration: ${parsed.errors.length} error(s); run \`mta config check\``);
  }
  const mode = delivery(paths.postfixConf);
  if (mode) io.out(`delivery: ${mode}`);
  for (const line of await certificateStatus(paths)) io.out(line);
  for (const line of await services(paths.serviceDir)) io.out(line);
}
