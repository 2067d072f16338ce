import type { DovecotSyntax } from '@mta/shared';
import { renderDovecotConf23 } from './conf-23.ts';
import { renderDovecotConf24 } from './conf-24.ts';
import type { DovecotConfInput } from './conf-parts.ts';

export { type DovecotConfInput, dovecotFiles } from './conf-parts.ts';

// A complete dovecot.conf in the installed dovecot's syntax: SASL for postfix always, LMTP + IMAP/POP3 when dovecot
// holds the mailboxes.
export const renderDovecotConf = (input: DovecotConfInput, syntax: DovecotSyntax): string =>
  syntax === '2.4' ? renderDovecotConf24(input) : renderDovecotConf23(input);
