import type { Renderer } from '../plan.ts';
import { renderPostfixCore } from './core.ts';
import { renderDhParams } from './dhparam.ts';
import { renderDomains } from './domains.ts';
import { renderLogging } from './logging.ts';
import { renderMtaSts } from './mta-sts.ts';
import { renderRegexAlias } from './regex-alias.ts';
import { renderRelay } from './relay.ts';
import { renderReleaseDefaults } from './release-defaults.ts';
import { renderResolver } from './resolver.ts';
import { renderSenderLogins } from './sender-logins.ts';
import { renderSenderMilter } from './sender-milter.ts';
import { renderSizeLimit } from './size.ts';
import { renderSrs } from './srs.ts';
import { renderTlsInbound } from './tls-inbound.ts';
import { renderTlsOutbound } from './tls-outbound.ts';
import { renderTlsProtocols } from './tls-protocols.ts';
import { renderTransport } from './transport.ts';

// Postfix renderers in merge order (hashed aliases before REGEX_ALIAS). The UPPERCASE pass-through is not here:
// runSeed applies it after every registered renderer so the user's explicit parameters win.
export const postfixRenderers: Renderer[] = [
  renderPostfixCore,
  renderDomains,
  renderRegexAlias,
  renderTransport,
  renderSizeLimit,
  renderRelay,
  renderTlsOutbound,
  renderResolver,
  renderSenderLogins,
  renderSenderMilter,
  renderSrs,
  renderMtaSts,
  renderTlsProtocols,
  renderTlsInbound,
  renderDhParams,
  renderReleaseDefaults,
  renderLogging,
];
