import { hostname } from 'node:os';
import { check, domainList, integer, invalid, isEmail, isLocalPart, q } from '../checks.ts';
import { EntryList, eachWord } from '../entry-list.ts';
import { ignoredWithout, isSet } from '../rule.ts';
import { ALL, BASE_UP, defineVar, type ParsedView, type VarRule } from '../spec.ts';
import { MAILBOX_SOURCES, mailboxSources } from '../uses.ts';

// A mailbox from MAIL_BOXES: the seed's `addr:path` form puts it at /var/mail/<path>, trailing `/` = maildir.
export interface Mailbox {
  address: string;
  path?: string;
}
// MAIL_ALIASES entry: bare locals are completed with the primary domain by the renderer.
export interface Alias {
  alias: string;
  targets: string[];
}

const mailboxEntry = (item: string): Mailbox => {
  const i = item.indexOf(':');
  const address = (i < 0 ? item : item.slice(0, i)).toLowerCase();
  return i < 0 ? { address } : { address, path: item.slice(i + 1) };
};

// Validated entry by entry and kept as text (EntryList): every bad entry is reported at once.
const mailboxes = check((raw) => {
  const bad: string[] = [];
  let count = 0;
  eachWord(raw, (item) => {
    count++;
    const { address, path } = mailboxEntry(item);
    if (!isEmail(address)) bad.push(`${q(address)} is not an email address`);
    // "." or "./" would be /var/mail itself: every mailbox directory, and delivery there, in one place.
    else if (
      path !== undefined &&
      (path.startsWith('/') || !path.split('/').some(Boolean) || path.split('/').some((p) => p === '..' || p === '.'))
    )
      bad.push(`${q(item)} has an invalid mailbox path (expected addr:relative/path, trailing / for maildir)`);
  });
  return bad.length ? invalid(bad.join('; ')) : new EntryList(raw, count, mailboxEntry);
});

const aliasEntry = (item: string): Alias => {
  const i = item.indexOf(':');
  return {
    alias: item.slice(0, i).toLowerCase(),
    targets: item
      .slice(i + 1)
      .split(',')
      .filter(Boolean),
  };
};

const aliases = check((raw) => {
  const bad: string[] = [];
  let count = 0;
  const ok = (s: string) => isEmail(s) || isLocalPart(s) || /^@[^@]+$/.test(s);
  eachWord(raw, (item) => {
    count++;
    const { alias, targets } = aliasEntry(item);
    if (item.indexOf(':') <= 0 || !targets.length) bad.push(`${q(item)} is not alias:target[,target…]`);
    else if (!ok(alias)) bad.push(`${q(alias)} is not an address or local part`);
    else if (targets.some((t) => !isEmail(t) && !isLocalPart(t))) bad.push(`${q(item)} has a target that is not an address`);
  });
  return bad.length ? invalid(bad.join('; ')) : new EntryList(raw, count, aliasEntry);
});

// Postfix regexp table lines: `/pattern/flags replacement`, one per line.
const regexAlias = check((raw) => {
  const lines = raw
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const bad = lines.filter((l) => !/^\/.+\/[imx]*\s+\S/.test(l));
  return bad.length ? invalid(`${bad.map(q).join(', ')} is not "/regexp/ replacement"`) : lines;
});

const transport = check((raw) => {
  const t = raw.trim();
  if (t === '') return '';
  if (/^lmtp:unix:\S+$/.test(t) || /^lmtp:(inet:)?[A-Za-z0-9.[\]:_-]+:\d{1,5}$/.test(t) || /^[a-z][a-z0-9-]*:\S*$/.test(t)) return t;
  return invalid(`${q(raw)} is not a postfix transport (e.g. lmtp:app:2003 or lmtp:unix:private/transport)`);
});

// Host names as the daemons take them (amavis writes it into Perl, postfix into the banner).
const hostName = check((raw) =>
  /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(raw.trim())
    ? raw.trim()
    : invalid(`${q(raw)} is not a host name (letters, digits, dots, dashes)`),
);

const anyEntry = <T>(list: Iterable<T> | undefined, test: (entry: T) => boolean): boolean => {
  for (const e of list ?? []) if (test(e)) return true;
  return false;
};

// Bare local parts in MAIL_ALIASES are completed with the primary domain, so they need one.
const bareAliases = (config: ParsedView): boolean =>
  anyEntry(config.MAIL_ALIASES as Iterable<Alias> | undefined, (a) => !a.alias.includes('@') || a.targets.some((x) => !x.includes('@')));

const domainRule: VarRule = {
  text: `required when a mailbox source (${MAILBOX_SOURCES.join(', ')}) is set or MAIL_ALIASES has bare local parts; derived from the host name`,
  check: (config: ParsedView) => {
    if (isSet(config, 'MAIL_DOMAIN')) return undefined;
    const by = [...mailboxSources(config), ...(bareAliases(config) ? ['MAIL_ALIASES'] : [])];
    if (!by.length) return undefined;
    return `not set and the host name has no domain part; ${by.join(', ')} ${by.length > 1 ? 'need' : 'needs'} one: set MAIL_DOMAIN or --hostname mx.example.com`;
  },
};

// A mailbox outside MAIL_DOMAIN is never local: mail to it is refused (or relayed, from trusted clients).
const boxesInDomains: VarRule = {
  text: 'each address should be in MAIL_DOMAIN (warning)',
  severity: 'warning',
  check: (config: ParsedView) => {
    const domains = (config.MAIL_DOMAIN ?? []) as string[];
    if (!domains.length) return undefined;
    const out: Mailbox[] = [];
    for (const b of (config.MAIL_BOXES ?? []) as Iterable<Mailbox>)
      if (!domains.includes(b.address.slice(b.address.lastIndexOf('@') + 1))) out.push(b);
    return out.length
      ? `${out.map((b) => b.address).join(', ')} not in MAIL_DOMAIN, so mail to ${out.length > 1 ? 'them' : 'it'} is refused`
      : undefined;
  },
};

// Dovecot's LMTP socket exists only where dovecot does.
const dovecotTransport: VarRule = {
  text: 'lmtp:unix:private/transport (dovecot) needs the base or full image',
  check: (c, ctx) =>
    typeof c.VIRTUAL_TRANSPORT === 'string' && c.VIRTUAL_TRANSPORT.startsWith('lmtp:unix:') && ctx.variant && !BASE_UP.includes(ctx.variant)
      ? `${c.VIRTUAL_TRANSPORT} needs dovecot, which the ${ctx.variant} image does not have`
      : undefined,
};

export const mailVars = {
  HOSTNAME: defineVar({
    topic: 'domains and mailboxes',
    variants: ALL,
    description:
      'Fully qualified host name of the MX (set by `--hostname`); names the self-signed certificate and picks ACME certificates.',
    schema: hostName,
    format: 'FQDN',
    example: 'mx1.example.com',
    derive: () => hostname(),
    defaultText: '$(hostname)',
  }),
  MAIL_DOMAIN: defineVar({
    schema: domainList,
    topic: 'domains and mailboxes',
    variants: ALL,
    description:
      'Domains of this server: the final destination for their mailboxes when a mailbox source is set (MAIL_BOXES, LDAP or MySQL lookups), otherwise only `myorigin`, DKIM signing and the content filter use them; the first is the primary one.',
    format: 'space separated domain names',
    example: 'example.com secondary.com',
    defaultText: '$(hostname -d)',
    derive: (env) => {
      const h = env.HOSTNAME ?? hostname();
      const i = h.indexOf('.');
      return i > 0 ? h.slice(i + 1) : undefined;
    },
    rules: [domainRule],
  }),
  MAIL_BOXES: defineVar({
    schema: mailboxes,
    topic: 'domains and mailboxes',
    variants: ALL,
    description: 'Mailboxes accepted for delivery; `addr:path` stores the mailbox at /var/mail/path (trailing / = maildir).',
    format: 'space separated addresses, each optionally addr:path',
    example: 'info@example.com abuse@example.com',
    default: '',
    rules: [boxesInDomains],
  }),
  MAIL_ALIASES: defineVar({
    schema: aliases,
    topic: 'domains and mailboxes',
    variants: ALL,
    description: 'Aliases; bare local parts are completed with the primary domain.',
    format: 'space separated alias:target[,target…]',
    example: 'root:info,info@example.com postmaster:root',
    default: '',
  }),
  REGEX_ALIAS: defineVar({
    schema: regexAlias,
    topic: 'domains and mailboxes',
    variants: ALL,
    description: 'Recipient rewriting with a postfix regexp table, one `/regexp/ replacement` per line.',
    format: '/regexp/ replacement (newline separated)',
    example: '/([^+]+)[+-].*@(.+)/ $1@$2',
    default: '',
  }),
  VIRTUAL_TRANSPORT: defineVar({
    schema: transport,
    topic: 'delivery',
    variants: ALL,
    description:
      'Final delivery: empty = postfix mailboxes under /var/mail, lmtp:host:port = external LMTP, lmtp:unix:private/transport = Dovecot.',
    format: 'postfix transport:nexthop',
    example: 'lmtp:app:2003',
    default: '',
    rules: [
      dovecotTransport,
      ignoredWithout(MAILBOX_SOURCES, 'without a mailbox source nothing is delivered here', 'VIRTUAL_TRANSPORT', 'warning'),
    ],
  }),
  MESSAGE_SIZE_LIMIT: defineVar({
    schema: integer(0, Number.MAX_SAFE_INTEGER, 'a non-negative integer (bytes)'),
    topic: 'delivery',
    variants: ALL,
    description: 'Largest accepted message in bytes, envelope included; bigger messages are rejected with 552.',
    format: 'bytes',
    example: '25600000',
    default: '10240000',
    postfixParam: true,
  }),
};
