import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { mtaPaths, readEffective, rootOf, run, writeAtomic } from '@mta/shared';
import type { Command } from 'commander';
import { component } from '../component.ts';
import type { CliIo } from '../io.ts';

interface DhparamOptions {
  bits: number;
  reload: boolean;
}

// `mta dhparam` (alias `run update_postfix_dhparam`): fresh DH parameters for postfix's EDH ciphers, written
// atomically (postfix never reads half a file), named in main.cf, postfix reloaded when it runs. Postfix 3.9 and later
// (the effective configuration's daemons fact) deprecated the parameter for their built-in groups: nothing to do there.
export async function dhparam(io: CliIo, opts: DhparamOptions): Promise<void> {
  const paths = mtaPaths(rootOf(io.env));
  const { dhparamPath, dhparamDeprecated } = await component('seed', 'dhparam', io);
  const daemons = (await readEffective(paths.effective).catch(() => undefined))?.facts.daemons;
  if (dhparamDeprecated(daemons ?? {})) {
    io.out(
      `postfix ${daemons?.postfix} uses its built-in DH groups (smtpd_tls_dh1024_param_file is deprecated since 3.9): nothing to generate`,
    );
    return;
  }
  const out = dhparamPath(paths);
  io.out(`generating ${opts.bits}-bit DH parameters (this can take a while)`);
  const { stdout } = await run('openssl', ['dhparam', String(opts.bits)], { timeoutMs: 30 * 60_000 });
  if (!/-----BEGIN DH PARAMETERS-----/.test(stdout)) throw new Error('openssl dhparam printed no DH parameters');
  await mkdir(dirname(out), { recursive: true, mode: 0o755 });
  await writeAtomic(out, `${stdout.trim()}\n`, { mode: 0o644 });
  await run('postconf', ['-c', paths.postfixConf, '-e', `smtpd_tls_dh1024_param_file=${out}`]);
  if (opts.reload) {
    const running = await run('postfix', ['-c', paths.postfixConf, 'status'], { okExitCodes: [1] });
    if (running.exitCode === 0) await run('postfix', ['-c', paths.postfixConf, 'reload']);
  }
  io.out(`DH parameters written to ${out}`);
}

// Registers `mta dhparam [--bits N] [--no-reload]`.
export function registerDhparam(program: Command, io: CliIo): void {
  program
    .command('dhparam')
    .description('generate DH parameters for postfix (the seed image\'s "run update_postfix_dhparam")')
    .option('--bits <n>', 'prime size in bits', (v) => Number.parseInt(v, 10), 2048)
    .option('--no-reload', 'do not reload a running postfix')
    .action((opts: DhparamOptions) => dhparam(io, opts));
}
