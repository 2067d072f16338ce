import { type Topic, VARS, type VarSpec } from '@mta/shared';

// Headings and task pages per topic; a topic missing here still renders (under its own name), so new topics never break docs.
const TOPIC_INFO: Partial<Record<Topic, { title: string; page?: string }>> = {
  'domains and mailboxes': { title: 'Domains and mailboxes', page: 'quick-start.md' },
  delivery: { title: 'Delivery', page: 'quick-start.md' },
  relay: { title: 'Outgoing relay', page: 'relay.md' },
  tls: { title: 'Incoming TLS', page: 'tls.md' },
  sasl: { title: 'SASL submission (ports 465 and 587)', page: 'sasl-submission.md' },
  ldap: { title: 'LDAP lookups', page: 'ldap.md' },
  mysql: { title: 'MySQL lookups', page: 'mysql.md' },
  'content filter': { title: 'Anti-spam and anti-virus', page: 'content-filter.md' },
  dkim: { title: 'DKIM', page: 'dkim-dns.md' },
  acme: { title: 'Traefik acme.json certificates', page: 'tls.md' },
  'spamd learning': { title: 'kopano-spamd learning', page: 'spamd-learning.md' },
  logging: { title: 'Logging', page: 'logs-and-events.md' },
  seeding: { title: 'Seeding and persistence', page: 'storage-and-upgrade.md' },
  fleet: { title: 'Fleet mode and event bus', page: 'fleet.md' },
  defences: { title: 'Internet-facing defences', page: 'defences.md' },
  metrics: { title: 'Metrics and health endpoints', page: 'metrics.md' },
};

export const topicTitle = (t: Topic): string => TOPIC_INFO[t]?.title ?? t.charAt(0).toUpperCase() + t.slice(1);
export const topicPage = (t: Topic): string | undefined => TOPIC_INFO[t]?.page;

export interface TopicGroup {
  topic: Topic;
  vars: [string, VarSpec][];
}

// Topics in the order their first variable appears in VARS, so the schema's documentation order is the docs' order.
export function groupByTopic(vars: Readonly<Record<string, VarSpec>> = VARS): TopicGroup[] {
  const groups = new Map<Topic, [string, VarSpec][]>();
  for (const [name, spec] of Object.entries(vars)) {
    const list = groups.get(spec.topic) ?? [];
    list.push([name, spec]);
    groups.set(spec.topic, list);
  }
  return [...groups].map(([topic, list]) => ({ topic, vars: list }));
}
