import {
  type BuildInput,
  buildEffective,
  type Effective,
  type MtaPaths,
  type StagedEffectiveTables,
  seededTables,
  stageEffectiveTables,
  writeEffective,
} from '@mta/shared';

// The tables file of a seeding made ahead (stageEffectiveTables: a pass over every mailbox and alias, written and
// fsynced), for the seed to start while postfix checks its staged configuration.
export const stageTablesFile = (paths: MtaPaths, input: Pick<BuildInput, 'config'>): Promise<StagedEffectiveTables> =>
  stageEffectiveTables(paths.effectiveTables, seededTables(input.config));

// The effective configuration of a seeding and the tables file it names by digest: the tables first, so that a
// reader never meets digests of values not written yet. Returns the effective configuration and whether its file
// was written (a seeding that changed nothing leaves both files alone). `staged`: the tables file made ahead.
export async function writeEffectiveFiles(
  paths: MtaPaths,
  input: BuildInput,
  staged?: StagedEffectiveTables,
): Promise<{ effective: Effective; written: boolean }> {
  const tables = staged ?? (await stageTablesFile(paths, input));
  await tables.commit();
  const effective = buildEffective({ ...input, tables: tables.digests });
  return { effective, written: await writeEffective(paths.effective, effective) };
}
