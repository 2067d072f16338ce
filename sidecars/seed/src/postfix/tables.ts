import { join } from 'node:path';
import { ByteBuilder, type MtaPaths, TABLE_TYPE } from '@mta/shared';

// The applier runs `postmap <TABLE_TYPE>:<file>` after writing the source.
export { TABLE_TYPE };

// Owner of virtual mail (postfix virtual delivery and dovecot): the vmail user of the image, uid/gid 5000.
export const VMAIL = { user: 'vmail', uid: 5000, gid: 5000 } as const;

// Where the seed's postfix tables live (next to main.cf, so they persist with it).
export function postfixTables(paths: MtaPaths) {
  const t = (name: string) => join(paths.postfixConf, name);
  return {
    mailboxes: t('virtual_mailbox'),
    aliases: t('virtual_alias'),
    regexAlias: t('regex_alias'),
    saslPasswd: t('sasl_passwd'),
    senderRelay: t('mta-sender-relay'),
    // smtp_tls_policy_maps sources (tls-policy-maps.ts): the operator's overrides, then the relays' levels.
    tlsPolicy: t('mta-tls-policy'),
    relayTlsPolicy: t('mta-relay-tls-policy'),
    routing: t('recipient_routing'),
  } as const;
}

// A table and its index, for PlanPart.remove when the table's variable is gone.
export const withIndex = (path: string): string[] => [path, `${path}.db`];

// One `key<TAB>value` line per entry; postmap reads this format.
export const tableText = (rows: Iterable<readonly [string, string]>): string => Array.from(rows, ([k, v]) => `${k}\t${v}\n`).join('');

// A table source built a line at a time straight into bytes, for the tables that grow with the site (a line per
// mailbox or alias).
export class TableSource {
  readonly #bytes = new ByteBuilder();

  add(key: string, value: string): void {
    this.#bytes.add(`${key}\t${value}\n`);
  }

  get empty(): boolean {
    return this.#bytes.empty;
  }

  bytes(): Buffer {
    return this.#bytes.bytes();
  }
}
