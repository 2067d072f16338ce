import {
  type DaemonVersions,
  type Logger,
  type MtaPaths,
  notApplied,
  type ParseResult,
  readEffective,
  VARS,
  type Variant,
  type VarName,
  writeEffective,
} from '@mta/shared';
import { writeEffectiveFiles } from './effective-files.ts';
import { migrateDovecot } from './migrate-dovecot.ts';
import { migratePostfix } from './migrate-postfix.ts';
import { changedInputs, readSeededInputs, seededInputValues, writeSeededInputs } from './seeded-inputs.ts';
import { seededNetworks } from './seeded-networks.ts';

export interface LockedStart {
  parsed: ParseResult;
  paths: MtaPaths;
  variant: Variant;
  root: string;
  now: Date;
  log: Logger;
  // The postfix parameter names (`postconf -d`): which variables pass through to postfix.
  postfixParams: () => Promise<ReadonlySet<string>>;
  // The installed postfix and dovecot versions. Not written into an effective configuration made for a /srv seeded by
  // an earlier version: its files were rendered for the daemons of that image, which the missing fact stands for;
  // dovecot's files seeded for another dovecot syntax are rendered again (migrateDovecot), main.cf's release rows
  // seeded for another postfix are those of the installed one (migratePostfix); either records them.
  daemons: DaemonVersions;
}

// Secrets and pass-through variables changed since seeding, by name. A /srv without the digests (seeded before they
// were kept) gets them from this environment.
async function changedSinceSeeding(s: LockedStart): Promise<string[]> {
  if (!s.parsed.ok) return [];
  const values = seededInputValues(s.parsed.config, s.parsed.env, await s.postfixParams());
  const seeded = await readSeededInputs(s.paths.seededInputs);
  if (seeded) return changedInputs(seeded, values);
  await writeSeededInputs(s.paths.seededInputs, values);
  return [];
}

// A start without seeding. A /srv seeded by an earlier version has no effective configuration yet: it gets one from
// this environment, with the relay trust and proxies read back from the seeded files, and nothing else is seeded
// again. Dovecot's files seeded for another dovecot syntax are rendered again (migrateDovecot), main.cf's
// release-dependent rows seeded for another postfix become the installed one's (migratePostfix). Then every seeded
// variable whose value differs from the seeded one is named once, as not applied: the daemons, and every process
// with them, keep the seeded value until FORCE_CONFIG. Returns the variables not applied.
export async function lockedStart(s: LockedStart): Promise<string[]> {
  let effective = await readEffective(s.paths.effective);
  if (!s.parsed.ok) return [];
  if (!effective) {
    const config = { ...s.parsed.config, ...(await seededNetworks(s.paths, s.parsed.config)) };
    ({ effective } = await writeEffectiveFiles(s.paths, { config, variant: s.variant, root: s.root, now: s.now, source: 'upgrade' }));
    s.log.info(
      { event: 'seed.effective_written', path: s.paths.effective },
      'no effective configuration yet (seeded by an earlier version): written from this environment and the seeded relay trust and proxies; nothing seeded again',
    );
  }
  const migration = {
    config: s.parsed.config,
    env: s.parsed.env,
    paths: s.paths,
    variant: s.variant,
    effective,
    daemons: s.daemons,
    now: s.now,
    log: s.log,
  };
  // Both compare with the versions the effective configuration records, so it is written after both: the next start
  // finds the installed versions there and migrates nothing.
  const postfixMigrated = await migratePostfix(migration);
  const migrated = await migrateDovecot(migration);
  if (postfixMigrated || migrated.length)
    await writeEffective(s.paths.effective, { ...effective, facts: { ...effective.facts, daemons: { ...s.daemons } } });
  const changed = [...notApplied(s.parsed.config, effective), ...(await changedSinceSeeding(s))].sort();
  if (changed.length)
    s.log.warn(
      { event: 'seed.not_applied', variables: changed, seededAt: effective.seededAt },
      `${changed.join(', ')} changed since seeding and ${changed.length > 1 ? 'are' : 'is'} not applied: the daemons and every process keep the seeded ${changed.length > 1 ? 'values' : 'value'}; set FORCE_CONFIG=OVERWRITE to seed again`,
    );
  // The migration renders with this start's secrets and DOVECOT_* (never written down): those of them that changed
  // since seeding did reach dovecot after all.
  const reached = changed.filter((n) => n.startsWith('DOVECOT_') || VARS[n as VarName]?.secret);
  if (migrated.length && reached.length)
    s.log.warn(
      { event: 'seed.dovecot_migrated_changed', variables: reached },
      `${reached.join(', ')} changed since seeding: dovecot's migrated files use this start's ${reached.length > 1 ? 'values' : 'value'}`,
    );
  return changed;
}
