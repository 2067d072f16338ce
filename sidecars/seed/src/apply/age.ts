import { stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';

// Postfix re-reads a main.cf modified within the last ~2 s until it is stable: every postconf, postmap or postfix
// call right after a write would wait for that. Config files younger than ageMs are dated back to that age (the
// seed at start: 3 s; scratch copies and test roots: a minute).
export async function agePostfixConf(confDir: string, ageMs: number, now = Date.now()): Promise<void> {
  const past = new Date(now - ageMs);
  for (const name of ['main.cf', 'master.cf']) {
    const file = join(confDir, name);
    const st = await stat(file).catch(() => undefined);
    if (st && st.mtimeMs > past.getTime()) await utimes(file, past, past);
  }
}
