import { ErrorCode, MtaError, mtaPaths, rootOf } from '@mta/shared';
import { requireDaemon } from '../component.ts';
import { type CliIo, failure } from '../io.ts';
import { pdpRequest } from './am-pdp.ts';
import { formatEntries, listQuarantine } from './quarantine-entries.ts';

// `mta quarantine ls` (alias amavis-ls): what amavis blocked and kept, newest file order is amavis's id order.
export function quarantineLs(io: CliIo, opts: { json?: boolean } = {}): void {
  requireDaemon('amavis', 'quarantine ls', io);
  const entries = listQuarantine(mtaPaths(rootOf(io.env)).quarantine);
  if (opts.json) for (const e of entries) io.out(JSON.stringify(e));
  else if (entries.length) for (const l of formatEntries(entries)) io.out(l);
  else io.out('quarantine is empty');
}

// `mta quarantine release <id>` (like amavisd-release): amavis re-sends the message to its original recipients
// through the reinjection port, so it is delivered without being filtered again.
export async function quarantineRelease(io: CliIo, id: string): Promise<void> {
  requireDaemon('amavis', 'quarantine release', io);
  const paths = mtaPaths(rootOf(io.env));
  const entry = listQuarantine(paths.quarantine).find((e) => e.id === id || e.file === id || e.file.endsWith(`/${id}`));
  if (!entry) {
    throw failure(
      io,
      ErrorCode.Usage,
      `mta quarantine release: no quarantined message with id ${JSON.stringify(id)} (see: mta quarantine ls)`,
    );
  }
  const reply = await pdpRequest(paths.amavisSocket, [
    ['request', 'release'],
    ['mail_id', entry.id],
    ['quar_type', entry.file.endsWith('.gz') ? 'Z' : 'F'],
    ['mail_file', entry.file],
  ]);
  const status = reply.get('setreply')?.[0] ?? '';
  if (!/^2/.test(status)) throw new MtaError(ErrorCode.Exec, `amavis refused to release ${entry.id}: ${status || 'no reply'}`);
  io.out(`released ${entry.id} to ${entry.recipients.join(', ')}: ${status}`);
}
