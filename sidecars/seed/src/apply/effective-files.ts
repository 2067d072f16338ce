import {
  type BuildInput,
  buildEffective,
  type Effective,
  type MtaPaths,
  seededTables,
  writeEffective,
  writeEffectiveTables,
} from '@mta/shared';

// The effective configuration of a seeding and the tables file it names by digest: the tables first, so that a
// reader never meets digests of values not written yet. Returns the effective configuration and whether its file
// was written (a seeding that changed nothing leaves both files alone).
export async function writeEffectiveFiles(paths: MtaPaths, input: BuildInput): Promise<{ effective: Effective; written: boolean }> {
  const tables = await writeEffectiveTables(paths.effectiveTables, seededTables(input.config));
  const effective = buildEffective({ ...input, tables: tables.digests });
  return { effective, written: await writeEffective(paths.effective, effective) };
}
