import { readFile } from 'node:fs/promises';
import { ErrorCode, MtaError } from '@mta/shared';

export interface MilterSettings {
  socket: string;
  check: string;
}

// The seed's settings file (etc/postfix/mta-sender-milter.json): where to listen, where the check service is.
export async function readSettings(file: string): Promise<MilterSettings> {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (e) {
    throw new MtaError(ErrorCode.Config, `cannot read ${file} (written by the seed when 465/587 check senders): ${(e as Error).message}`);
  }
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new MtaError(ErrorCode.Config, `${file} is not JSON; re-create the container with FORCE_CONFIG=yes`);
  }
  const o = v as Partial<MilterSettings>;
  if (typeof o?.socket !== 'string' || typeof o.check !== 'string' || !o.socket.startsWith('/') || !o.check.startsWith('/'))
    throw new MtaError(ErrorCode.Config, `${file} must name "socket" and "check" as absolute paths`);
  return { socket: o.socket, check: o.check };
}

// The milter's own user (image/lib/image-setup; scripts/install-deps on a test machine), and postdrop for postfix's
// public/ directory where the check service listens.
export const MILTER_USER = { name: 'mta-milter', groups: ['postdrop'] };
