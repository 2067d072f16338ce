import * as z from 'zod/mini';
import { VARIANTS } from '../env/spec.ts';
import { MtaError } from '../errors.ts';
import { makeDirs } from '../fs/dir.ts';
import { readIfExists } from '../fs/open.ts';
import { writeAtomic } from '../fs/write.ts';
import type { MtaPaths } from '../paths.ts';
import { firstIssue } from '../schema-issue.ts';
import { renderStartEnv, type StartPlan } from './plan.ts';

const decision = z.union([z.literal(true), z.string()]);
const planSchema = z.object({
  variant: z.enum(VARIANTS),
  seeding: z.boolean(),
  services: z.array(z.string()),
  skipped: z.array(z.object({ name: z.string(), why: z.string() })),
  entry: z.object({ dkimKeys: decision, acmeWatch: decision }),
  bus: z.union([z.object({ port: z.number(), node: z.string() }), z.object({ why: z.string() })]),
  spamdLib: z.string(),
  amavis: z.object({ run: z.string(), pid: z.string(), lock: z.string() }),
  haproxyConf: z.string(),
}) satisfies z.ZodMiniType<StartPlan>;

// The plan of this start, for the sidecars (JSON) and the image's shell (start.env); the JSON first, so whoever sees
// start.env (the local bus, the entry steps) finds both.
export async function writeStartPlan(paths: Pick<MtaPaths, 'run' | 'startPlan' | 'startEnv'>, plan: StartPlan): Promise<void> {
  await makeDirs(paths.run);
  await writeAtomic(paths.startPlan, `${JSON.stringify(plan)}\n`, { mode: 0o644 });
  await writeAtomic(paths.startEnv, renderStartEnv(plan), { mode: 0o644 });
}

// The plan this start wrote, or undefined outside a container start (tests, a host).
export async function readStartPlan(path: string): Promise<StartPlan | undefined> {
  const data = await readIfExists(path);
  if (data === undefined) return undefined;
  const json: unknown = JSON.parse(data.toString('utf8'));
  const r = planSchema.safeParse(json);
  if (r.success) return r.data;
  const first = await firstIssue(planSchema, json);
  throw new MtaError('E_CONFIG', `${path}: not a start plan of this version (${first.where ? `${first.where}: ` : ''}${first.message})`);
}
