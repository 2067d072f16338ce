import { ErrorCode, MtaError } from '@mta/shared';

// One certificate record of acme.json, whatever Traefik version wrote it. PEM text is already decoded.
export interface AcmeEntry {
  // Certificate resolver (v2/v3 top-level key); undefined for v1 files, which had only one.
  resolver: string | undefined;
  main: string;
  sans: string[];
  certPem: string;
  keyPem: string;
  format: 'v1' | 'v2';
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strList = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);

// Traefik stores base64 of the PEM text; tolerate plain PEM too (hand-made files).
function decodePem(value: unknown): string {
  const s = str(value).trim();
  const pem = s.startsWith('-----BEGIN') ? s : Buffer.from(s, 'base64').toString('utf8');
  return pem.replace(/\r\n/g, '\n').trim();
}

function entriesOf(certs: unknown, resolver: string | undefined, format: AcmeEntry['format'], where: string): AcmeEntry[] {
  if (certs === null || certs === undefined) return [];
  if (!Array.isArray(certs)) throw new MtaError(ErrorCode.Parse, `${where}: Certificates is not a list`);
  return certs.filter(isObj).map((c) => {
    const d = isObj(c.domain) ? c.domain : isObj(c.Domain) ? c.Domain : {};
    return {
      resolver,
      main: str(d.main ?? d.Main),
      sans: strList(d.sans ?? d.SANs),
      certPem: decodePem(c.certificate ?? c.Certificate),
      keyPem: decodePem(c.key ?? c.Key),
      format,
    };
  });
}

// Auto-detects v1 (top-level Certificates) or v2/v3 (resolver name -> {Account, Certificates}); other shapes throw.
export function parseAcmeJson(text: string, source = 'acme.json'): AcmeEntry[] {
  if (text.trim() === '') return []; // Traefik creates the file empty before its first certificate
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    // V8 may quote a piece of the input, which could be key material: keep only where it broke.
    const at = /at position (\d+)/.exec((e as Error).message)?.[1];
    const where = at ? ` (error at byte ${at} of ${text.length})` : ` (${text.length} bytes)`;
    throw new MtaError(ErrorCode.Parse, `${source}: not valid JSON${where}`);
  }
  if (!isObj(doc)) throw new MtaError(ErrorCode.Parse, `${source}: expected a JSON object at the top`);
  if ('Certificates' in doc || 'Account' in doc || 'DomainsCertificate' in doc) return entriesOf(doc.Certificates, undefined, 'v1', source);
  const out: AcmeEntry[] = [];
  for (const [resolver, value] of Object.entries(doc)) {
    if (!isObj(value) || !('Certificates' in value || 'Account' in value))
      throw new MtaError(
        ErrorCode.Parse,
        `${source}: unknown format: key ${JSON.stringify(resolver)} is neither a v1 field nor a resolver with Account/Certificates`,
      );
    out.push(...entriesOf(value.Certificates, resolver, 'v2', `${source} resolver ${resolver}`));
  }
  return out;
}
