import * as z from 'zod/mini';

// The first problem of a value a schema refused, in words. The schemas are zod/mini (classic zod costs every sidecar
// ~6 MB resident, see env/checks.ts), which carries no locale: its messages read "Invalid input". The English one is
// loaded here, on the failure path only, and the value parsed again to word the issue.
export async function firstIssue(schema: z.ZodMiniType, data: unknown): Promise<{ where: string; message: string }> {
  const en = (await import('zod/v4/locales/en.js')).default;
  z.config(en());
  const issue = schema.safeParse(data).error?.issues[0];
  return { where: issue?.path.length ? issue.path.join('.') : '', message: issue?.message ?? 'refused' };
}
