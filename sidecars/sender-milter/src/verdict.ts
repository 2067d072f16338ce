import {
  type MessageFacts,
  SENDER_FIELDS,
  type SenderField,
  type SenderReason,
  TEMPFAIL,
  type MilterVerdict as Verdict,
} from '@mta/shared';
import { amavisAddressList, amavisUnquote } from './address/amavis.ts';
import { externalForm, internalForm } from './address/external.ts';
import { AddressSyntaxError } from './address/lexer.ts';
import { type Mailbox, parseMailboxList } from './address/mailbox-list.ts';
import type { Ownership } from './check/ownership.ts';

const FIELD_NAME: Record<SenderField, string> = {
  from: 'From',
  sender: 'Sender',
  'resent-from': 'Resent-From',
  'resent-sender': 'Resent-Sender',
};

export interface Decision {
  verdict: Verdict;
  // Set when the message is not accepted.
  reason?: SenderReason;
  field?: SenderField;
  // For the log line only: the address refused and postfix's answer.
  address?: string;
  detail?: string;
}

// At most this many distinct addresses are checked per message.
const MAX_ADDRESSES = 10;
// XCLIENT's own words for "no login": a login of that name would be taken for none.
const UNUSABLE_LOGIN = /^\[(?:UNAVAILABLE|TEMPUNAVAIL)\]$/i;

const hasControl = (s: string) => [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

const refuse = (reason: SenderReason, text: string, extra: Partial<Decision> = {}): Decision => ({
  verdict: { action: 'reject', code: 550, dsn: '5.7.1', text },
  reason,
  ...extra,
});

export type AskOwner = (login: string, addresses: readonly string[]) => Promise<Ownership[]>;

// The decision for one authenticated message at the end of its headers.
export async function decide(m: MessageFacts, ask: AskOwner): Promise<Decision> {
  if (!m.login) return { verdict: TEMPFAIL, reason: 'no-login' };
  if (UNUSABLE_LOGIN.test(m.login) || hasControl(m.login)) return refuse('unusable-login', 'this login name cannot send mail');
  if (m.overflow) return refuse('too-many', 'too many or too long sender header fields');
  const boxes: { field: SenderField; box: Mailbox }[] = [];
  for (const field of SENDER_FIELDS) {
    const values = m.headers.filter((h) => h.name === field).map((h) => h.value);
    const name = FIELD_NAME[field];
    if ((field === 'from' || field === 'sender') && values.length > 1)
      return refuse('several-fields', `message has more than one ${name}: header`, { field });
    for (const value of values) {
      const parsed = readField(value);
      if (typeof parsed === 'string') return refuse(parsed, `${name}: header is not a plain list of addresses`, { field, detail: parsed });
      if ((field === 'from' || field === 'sender') && parsed.length !== 1)
        return refuse('several-addresses', `${name}: must name exactly one address`, { field });
      for (const box of parsed) boxes.push({ field, box });
    }
  }
  // One question per distinct address (case-insensitively), in header order.
  const distinct = new Map<string, { field: SenderField; box: Mailbox }>();
  for (const b of boxes) if (!distinct.has(internalForm(b.box).toLowerCase())) distinct.set(internalForm(b.box).toLowerCase(), b);
  const todo = [...distinct.values()];
  if (todo.length > MAX_ADDRESSES) return refuse('too-many', 'too many sender addresses');
  if (!todo.length) return { verdict: { action: 'accept' } };
  let answers: Ownership[];
  try {
    answers = await ask(
      m.login,
      todo.map((t) => externalForm(t.box)),
    );
  } catch (e) {
    return { verdict: TEMPFAIL, reason: 'check-unavailable', detail: (e as Error).message };
  }
  for (const [i, t] of todo.entries()) {
    const a = answers[i];
    if (a?.owned) continue;
    return refuse('not-owned', `${FIELD_NAME[t.field]}: names a sender this login may not use`, {
      field: t.field,
      address: externalForm(t.box),
      detail: a?.reply ?? 'no answer',
    });
  }
  return { verdict: { action: 'accept' } };
}

// The mailboxes of one field, or why it is refused: unreadable by the strict parser, or read differently by amavis.
export function readField(value: string): Mailbox[] | 'unreadable' | 'ambiguous' {
  let boxes: Mailbox[];
  try {
    boxes = parseMailboxList(value);
  } catch (e) {
    if (e instanceof AddressSyntaxError) return 'unreadable';
    throw e;
  }
  const theirs = amavisAddressList(value).map((a) => amavisUnquote(a.replace(/^[ \t]+|[ \t]+$/g, '')));
  if (theirs.length !== boxes.length || boxes.some((b, i) => theirs[i] !== internalForm(b))) return 'ambiguous';
  return boxes;
}
