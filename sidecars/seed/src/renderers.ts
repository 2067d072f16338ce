import { renderFilter } from './amavis/index.ts';
import { renderDovecot } from './dovecot/render.ts';
import { renderLookups } from './lookup/render.ts';
import type { Renderer } from './plan.ts';
import { postfixRenderers } from './postfix/index.ts';

// Every renderer, in the order their parts are merged (later parts may override earlier postconf values).
// Each feature area appends its renderer here: postfix core, LDAP/MySQL lookups, dovecot, content filter.
export const renderers: Renderer[] = [...postfixRenderers, renderLookups, renderDovecot, renderFilter];
