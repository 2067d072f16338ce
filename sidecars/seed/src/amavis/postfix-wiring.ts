import type { MasterEntry } from '../plan.ts';
import { LOOPBACK_CLIENT, masterOptions as opts, REINJECT_SERVER } from '../postfix/loopback.ts';
import type { FilterPorts } from './layout.ts';

// Every queued message goes to amavis first. If amavis is down the smtp-amavis delivery fails with a temporary
// error, so the mail stays deferred in the queue: it never bypasses the filter and never bounces.
// Mail from SASL-authenticated clients (any service, submission included) goes to amavis's originating port
// instead, where it is DKIM-signed: amavis cannot see SASL logins, so postfix picks the port per message.
// The queue manager starts at 5 connections per destination and grows only after successful deliveries; starting
// and capping at amavis's child count keeps every child busy from the first message, on any number of CPUs.
export function filterPostconf(ports: FilterPorts, maxServers: number): Record<string, string> {
  return {
    content_filter: `smtp-amavis:[127.0.0.1]:${ports.amavis}`,
    smtpd_data_restrictions: `check_sasl_access static:{FILTER smtp-amavis:[127.0.0.1]:${ports.originating}}`,
    'smtp-amavis_initial_destination_concurrency': String(maxServers),
    'smtp-amavis_destination_concurrency_limit': String(maxServers),
  };
}

// D_REJECT can only mean "the sending client sees a 5xx" while the SMTP session is still open, so with any
// D_REJECT destiny the public port hands each message to amavis before it is queued (smtpd_proxy_filter) and
// relays amavis's answer to the client. speed_adjust receives the whole message first, so a slow client never holds
// an amavis child. If amavis is down, the client gets a 4xx and keeps the mail in its own queue: still never
// unfiltered, never bounced. Submission (587/465) and local mail stay after the queue. Without D_REJECT the public
// port is the plain entry again, so switching back restores after-queue scanning.
export function publicSmtpEntry(service: string, ports: FilterPorts, beforeQueue: boolean): MasterEntry {
  const head = `${service} inet n - n - - smtpd`;
  if (!beforeQueue) return { service, type: 'inet', entry: head };
  return {
    service,
    type: 'inet',
    entry: `${head}
${opts({
  smtpd_proxy_filter: `127.0.0.1:${ports.amavis}`,
  smtpd_proxy_options: 'speed_adjust',
  smtpd_proxy_timeout: '600s',
  content_filter: '',
})}`,
  };
}

// Whether any destiny asks for an in-session reject.
export const needsBeforeQueue = (destiny: Record<string, string>): boolean => Object.values(destiny).includes('D_REJECT');

// The transport to amavis (one connection per amavis child) and the reinjection smtpd that takes scanned mail
// back: loopback only, no second pass through the filter, no checks that already ran before the queue.
export function filterMaster(ports: FilterPorts, maxServers: number): MasterEntry[] {
  const transport = `smtp-amavis unix - - n - ${maxServers} smtp
${opts({
  syslog_name: 'postfix/amavis',
  smtp_data_done_timeout: '1200',
  ...LOOPBACK_CLIENT,
  max_use: '20',
})}`;
  const reinject = `127.0.0.1:${ports.reinject} inet n - n - - smtpd
${opts({
  syslog_name: 'postfix/reinject',
  ...REINJECT_SERVER,
})}`;
  return [
    { service: 'smtp-amavis', type: 'unix', entry: transport },
    { service: `127.0.0.1:${ports.reinject}`, type: 'inet', entry: reinject },
  ];
}
