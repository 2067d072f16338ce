import {
  buildEffective,
  type Logger,
  type MtaPaths,
  notApplied,
  type ParseResult,
  readEffective,
  type Variant,
  writeEffective,
} from '@mta/shared';

export interface LockedStart {
  parsed: ParseResult;
  paths: MtaPaths;
  variant: Variant;
  root: string;
  now: Date;
  log: Logger;
}

// A start without seeding. A /srv seeded by an earlier version has no effective configuration yet: it gets one from
// this environment, and nothing else is seeded again. Otherwise every seeded variable whose value changed since is
// named once, as not applied: the daemons, and every process with them, keep the seeded value until FORCE_CONFIG.
// Returns the variables not applied.
export async function lockedStart(s: LockedStart): Promise<string[]> {
  const effective = await readEffective(s.paths.effective);
  if (!s.parsed.ok) return [];
  if (!effective) {
    await writeEffective(
      s.paths.effective,
      buildEffective({ config: s.parsed.config, variant: s.variant, root: s.root, now: s.now, source: 'upgrade' }),
    );
    s.log.info(
      { event: 'seed.effective_written', path: s.paths.effective },
      'no effective configuration yet (seeded by an earlier version): written from this environment, nothing seeded again',
    );
    return [];
  }
  const changed = notApplied(s.parsed.config, effective);
  if (changed.length)
    s.log.warn(
      { event: 'seed.not_applied', variables: changed, seededAt: effective.seededAt },
      `${changed.join(', ')} changed since seeding and ${changed.length > 1 ? 'are' : 'is'} not applied: the daemons and every process keep the seeded ${changed.length > 1 ? 'values' : 'value'}; set FORCE_CONFIG=OVERWRITE to seed again`,
    );
  return changed;
}
