import { generateKeyPairSync } from 'node:crypto';
import { formatIssue, isVarName, parseEnv, VARS, type Variant } from '@mta/shared';
import { type ComposeService, composeServices } from './compose-env.ts';

// Our image is `mta` (tag = variant); other services in a snippet (traefik, mariadb, …) are not ours to check.
const IMAGE = /^mta(?::(mini|base|full))?$/;

// Postfix parameters and ordinary container variables the pages use as examples of pass-through; anything else
// unknown in a snippet is a typo the parser would silently ignore.
export const PASSTHROUGH: ReadonlySet<string> = new Set(['INET_PROTOCOLS', 'SMTPD_HELO_REQUIRED']);

let dkimKey: string | undefined;
// A `DKIM_PRIVATEKEY__FILE` needs a real key, other secret files get the schema's example value.
function secretFile(name: string): string {
  if (name === 'DKIM_PRIVATEKEY') {
    dkimKey ??= generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    return dkimKey;
  }
  return (isVarName(name) ? VARS[name].example : undefined) ?? '';
}

function unknownNames(env: Record<string, string | undefined>, variant: Variant): string[] {
  const out: string[] = [];
  for (const key of Object.keys(env)) {
    const name = key.replace(/__FILE$/, '');
    if (isVarName(name)) {
      if (!VARS[name].variants.includes(variant)) out.push(`${name}: not read by the ${variant} variant`);
    } else if (!name.startsWith('DOVECOT_') && !PASSTHROUGH.has(name)) out.push(`${key}: not a known variable (typo?)`);
  }
  return out;
}

// Every problem of one compose snippet: no mta service, unknown names, or an environment `mta config check` rejects.
export function checkSnippet(yaml: string): string[] {
  let services: ComposeService[];
  try {
    services = composeServices(yaml);
  } catch (e) {
    return [(e as Error).message];
  }
  const ours = services.filter((s) => s.image !== undefined && IMAGE.test(s.image));
  if (!ours.length) return ['no service with image mta[:variant]'];
  return ours.flatMap((svc) => {
    const variant = (IMAGE.exec(svc.image ?? '')?.[1] ?? 'full') as Variant;
    const defined = Object.entries(svc.environment).filter((e): e is [string, string] => e[1] !== undefined);
    // Docker names the container by its id (no domain) unless `hostname:` is set.
    const env = { HOSTNAME: svc.hostname ?? '3f4e5d6c7b8a', ...Object.fromEntries(defined) };
    const files = new Map(Object.entries(env).flatMap(([k, v]) => (k.endsWith('__FILE') ? [[v, k.slice(0, -6)] as const] : [])));
    const r = parseEnv(env, { read: (path) => secretFile(files.get(path) ?? '') });
    const problems = [...unknownNames(svc.environment, variant), ...(r.ok ? [] : r.errors.map(formatIssue))];
    return problems.map((p) => `service ${svc.name}: ${p}`);
  });
}
