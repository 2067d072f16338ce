import { readFile } from 'node:fs/promises';
import { ErrorCode, MtaError } from '@mta/shared';

// The seed's settings file (etc/postfix/mta-arc-milter.json, sidecars/seed/src/dmarc/arc.ts).
export interface ArcMilterSettings {
  authservId: string;
  trustedSealers: string[];
  enforce: boolean;
  // Step one (first of port 25's milters) and step two (last, after OpenDMARC).
  verifySocket: string;
  enforceSocket: string;
  // The unprivileged user it becomes before it serves.
  user: string;
}

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
const isPath = (v: unknown): v is string => typeof v === 'string' && v.startsWith('/');

export function parseSettings(raw: string, file: string): ArcMilterSettings {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new MtaError(ErrorCode.Config, `${file} is not JSON; re-create the container with FORCE_CONFIG=yes`);
  }
  const o = (v ?? {}) as Partial<Record<keyof ArcMilterSettings, unknown>>;
  if (
    typeof o.authservId !== 'string' ||
    !isStrings(o.trustedSealers) ||
    typeof o.enforce !== 'boolean' ||
    !isPath(o.verifySocket) ||
    !isPath(o.enforceSocket) ||
    typeof o.user !== 'string'
  )
    throw new MtaError(ErrorCode.Config, `${file} must name authservId, trustedSealers, enforce, verifySocket, enforceSocket and user`);
  return {
    authservId: o.authservId,
    trustedSealers: o.trustedSealers.map((d) => d.toLowerCase()),
    enforce: o.enforce,
    verifySocket: o.verifySocket,
    enforceSocket: o.enforceSocket,
    user: o.user,
  };
}

export async function readSettings(file: string): Promise<ArcMilterSettings> {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (e) {
    throw new MtaError(
      ErrorCode.Config,
      `cannot read ${file} (written by the seed when DMARC_POLICY is enforce or tag): ${(e as Error).message}`,
    );
  }
  return parseSettings(raw, file);
}
