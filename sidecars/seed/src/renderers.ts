import { renderFilter } from './amavis/index.ts';
import { renderDefences } from './defences/index.ts';
import { renderDmarc } from './dmarc/render.ts';
import { renderDovecot } from './dovecot/render.ts';
import { renderLookups } from './lookup/render.ts';
import type { Renderer } from './plan.ts';
import { postfixRenderers } from './postfix/index.ts';

// Every renderer, in the order their parts are merged (later parts may override earlier postconf values).
// Each feature area appends its renderer here: postfix core, defences, LDAP/MySQL lookups, dovecot, content filter,
// DMARC (its milters on the public smtpd).
// The defences come before the filter, whose port-25 smtpd replaces theirs; their master rewrite runs after all.
export const renderers: Renderer[] = [...postfixRenderers, renderDefences, renderLookups, renderDovecot, renderFilter, renderDmarc];
