import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { detectVariant, mtaPaths, parseEnv, run, seedGate } from '@mta/shared';
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

// `mta status`: variant, node, domains, whether seeding is pending, and the supervised services.
export async function status(io: CliIo, root = io.env.MTA_ROOT ?? '/'): Promise<void> {
  const paths = mtaPaths(root);
  const parsed = parseEnv(io.env);
  io.out(`variant: ${detectVariant(root)}`);
  if (parsed.ok) {
    io.out(`node: ${parsed.config.MTA_NODE}`);
    io.out(`domains: ${(parsed.config.MAIL_DOMAIN ?? []).join(' ')}`);
    const gate = seedGate(parsed.env, root);
    io.out(`seeding: ${gate.force ? 'at every start (FORCE_CONFIG)' : gate.run ? 'pending (unlock file present)' : 'done'}`);
  } else {
    io.out(`configuration: ${parsed.errors.length} error(s); run \`mta config check\``);
  }
  for (const line of await certificateStatus(paths)) io.out(line);
  for (const line of await services(paths.serviceDir)) io.out(line);
}
