import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const SCHEMA = new URL('../fixtures/dmarc/rfc7489-aggregate.xsd', import.meta.url).pathname;

export interface ReceivedReport {
  subject: string;
  fileName: string;
  xml: string;
}

// The reports delivered to an mbox file: each message's gzip attachment, unpacked.
export function reportsIn(mbox: string): ReceivedReport[] {
  if (!existsSync(mbox)) return [];
  return readFileSync(mbox, 'utf8')
    .split(/^From /m)
    .filter((m) => m.includes('Content-Type: application/gzip'))
    .map((m) => {
      const subject = /^Subject: (.*)$/m.exec(m)?.[1] ?? '';
      const fileName = /filename="([^"]+)"/.exec(m)?.[1] ?? '';
      const part = m.split(/Content-Disposition: attachment[^\n]*\n\n/)[1] ?? '';
      const b64 = part.split('\n--')[0]?.replace(/\s+/g, '') ?? '';
      return { subject, fileName, xml: gunzipSync(Buffer.from(b64, 'base64')).toString('utf8') };
    });
}

// xmllint --schema against RFC 7489 Appendix C (test/src/fixtures/dmarc); throws with xmllint's words when invalid.
export function validateReport(xml: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'mta-dmarc-xml-'));
  try {
    writeFileSync(join(dir, 'report.xml'), xml);
    execFileSync('xmllint', ['--noout', '--schema', SCHEMA, join(dir, 'report.xml')], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(`${(e as { stderr?: Buffer }).stderr?.toString() ?? (e as Error).message}\n${xml}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Every <record> of a report: source, count, disposition, the aligned results and the From domain.
export function recordsOf(xml: string): { ip: string; count: number; disposition: string; dkim: string; spf: string; from: string }[] {
  return [...xml.matchAll(/<record>([\s\S]*?)<\/record>/g)].map(([, r = '']) => {
    const v = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(r)?.[1] ?? '';
    const evaluated = /<policy_evaluated>([\s\S]*?)<\/policy_evaluated>/.exec(r)?.[1] ?? '';
    const e = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(evaluated)?.[1] ?? '';
    return {
      ip: v('source_ip'),
      count: Number(v('count')),
      disposition: e('disposition'),
      dkim: e('dkim'),
      spf: e('spf'),
      from: v('header_from'),
    };
  });
}
