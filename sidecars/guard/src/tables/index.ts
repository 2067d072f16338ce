import type { MtaPaths } from '@mta/shared';
import type { Ban } from '../ban.ts';
import { type DenyEntry, dovecotRebuild, editShard, putShard, shardOf } from './dovecot.ts';
import { postfixAdd, postfixRebuild, postfixRemove } from './postfix.ts';

export * from './dovecot.ts';
export * from './legacy.ts';
export * from './postfix.ts';

// What the daemons consult: postfix's lmdb table and dovecot's deny shards, kept in step with the bans.
export class BanTables {
  constructor(
    private readonly paths: MtaPaths,
    // Whether this variant has dovecot (its deny passdb is written too).
    private readonly dovecot: boolean,
  ) {}

  // Both from nothing (start-up, or after an update failed half-way).
  async rebuild(bans: readonly Ban[]): Promise<void> {
    await postfixRebuild(
      this.paths,
      (function* () {
        for (const b of bans) yield b.ip;
      })(),
    );
    if (this.dovecot) await dovecotRebuild(this.paths, bans);
  }

  // One change set: `put` bans in (new, or with a new end), `drop` addresses out. `shard` gives the full content of a
  // touched dovecot shard (the service, which holds every ban); without it each shard is edited as found (the CLI).
  async update(put: readonly Ban[], drop: readonly string[], shard?: (name: string) => Iterable<DenyEntry>): Promise<void> {
    await postfixRemove(this.paths, drop);
    await postfixAdd(
      this.paths,
      put.map((b) => b.ip),
    );
    if (!this.dovecot) return;
    const touched = new Map<string, { put: Ban[]; drop: string[] }>();
    const at = (s: string) => touched.get(s) ?? touched.set(s, { put: [], drop: [] }).get(s)!;
    for (const ip of drop) at(shardOf(ip)).drop.push(ip);
    for (const b of put) at(shardOf(b.ip)).put.push(b);
    for (const [name, c] of touched)
      if (shard) await putShard(this.paths, name, shard(name));
      else await editShard(this.paths, name, c.put, c.drop);
  }
}
