import { isIPv6 } from 'node:net';
import type { Report, Row } from './aggregate.ts';

// Who reports: the organisation (DMARC_REPORT_ORG) and its contact address (DMARC_REPORT_FROM).
export interface Reporter {
  org: string;
  email: string;
  // MTA_NODE: part of the report id, so two nodes' reports of one day never share an id.
  node: string;
}

const esc = (s: string | number): string =>
  String(s).replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string);
const el = (name: string, value: string | number): string => `<${name}>${esc(value)}</${name}>`;

// The schema's IPAddress takes IPv6 only in full (eight groups): "2001:db8::1" is written out.
export function fullIp(ip: string): string {
  if (!isIPv6(ip) || ip.includes('.')) return ip;
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = ip.includes('::') && tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.join(':');
}

function record(r: Row): string {
  const dkim = r.dkimResults
    .map((d) => `<dkim>${el('domain', d.domain)}${d.selector ? el('selector', d.selector) : ''}${el('result', d.result)}</dkim>`)
    .join('');
  return [
    '  <record>',
    `    <row>${el('source_ip', fullIp(r.ip))}${el('count', r.count)}<policy_evaluated>${el('disposition', r.disposition)}${el('dkim', r.dkim)}${el('spf', r.spf)}</policy_evaluated></row>`,
    `    <identifiers>${el('envelope_from', r.envelopeFrom)}${el('header_from', r.headerFrom)}</identifiers>`,
    `    <auth_results>${dkim}<spf>${el('domain', r.spfResult.domain)}<scope>mfrom</scope>${el('result', r.spfResult.result)}</spf></auth_results>`,
    '  </record>',
  ].join('\n');
}

// The aggregate report in the format of RFC 7489 Appendix C. No namespace: the appendix's schema does not resolve its
// own types under its target namespace, and the reports receivers parse carry none.
export function reportXml(report: Report, reporter: Reporter, reportId: string): string {
  const p = report.policy;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<feedback>',
    `  <report_metadata>${el('org_name', reporter.org)}${el('email', reporter.email)}${el('report_id', reportId)}<date_range>${el('begin', report.begin)}${el('end', report.end)}</date_range></report_metadata>`,
    `  <policy_published>${el('domain', report.domain)}${el('adkim', p.adkim)}${el('aspf', p.aspf)}${el('p', p.p)}${el('sp', p.sp)}${el('pct', p.pct)}${el('fo', '0')}</policy_published>`,
    ...report.rows.map(record),
    '</feedback>',
    '',
  ].join('\n');
}
