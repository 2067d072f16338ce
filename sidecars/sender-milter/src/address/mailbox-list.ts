import { AddressSyntaxError, type Token, tokenize } from './lexer.ts';

// One address of a sender header: its local part (quotes and quoted pairs resolved) and domain.
export interface Mailbox {
  local: string;
  domain: string;
}

export const LIMITS = { local: 64, address: 254, mailboxes: 20 };

// The mailboxes of a From/Sender/Resent-* field (RFC 5322 mailbox-list), or AddressSyntaxError. Stricter than the
// RFC where leniency only helps an attacker: no groups or routes, no domain literals, no white space or comments
// inside an address, host-name domains, ASCII local parts without "@", and bounded sizes.
export function parseMailboxList(value: string): Mailbox[] {
  const t = tokenize(value);
  const out: Mailbox[] = [];
  let i = 0;
  if (!t.length) throw new AddressSyntaxError('no address');
  for (;;) {
    const [box, next] = mailbox(t, i);
    out.push(box);
    if (out.length > LIMITS.mailboxes) throw new AddressSyntaxError('too many addresses');
    i = next;
    if (i >= t.length) return out;
    if (t[i]?.text !== ',') throw new AddressSyntaxError('junk after an address');
    i++;
    if (i >= t.length) throw new AddressSyntaxError('empty address after ","');
  }
}

function mailbox(t: Token[], start: number): [Mailbox, number] {
  // A display name is words and dots up to "<"; an addr-spec is words and dots up to "@".
  let i = start;
  while (i < t.length && (t[i]?.kind !== 'special' || t[i]?.text === '.')) i++;
  const stop = t[i]?.text;
  if (stop === '<') {
    const [box, next] = addrSpec(t, i + 1);
    if (t[next]?.text !== '>') throw new AddressSyntaxError('missing ">"');
    return [box, next + 1];
  }
  if (stop === '@') return addrSpec(t, start);
  throw new AddressSyntaxError(i === start ? 'empty address' : 'a name without an address');
}

// local-part "@" domain, starting at token i; returns the index after it. Nothing may separate its tokens.
function addrSpec(t: Token[], i: number): [Mailbox, number] {
  const first = i;
  const tight = (k: number) => {
    if (k > first && t[k]?.spaceBefore) throw new AddressSyntaxError('white space or comment inside an address');
  };
  let local = '';
  for (;;) {
    const w = t[i];
    tight(i);
    if (w?.kind !== 'atom' && w?.kind !== 'quoted') throw new AddressSyntaxError('missing local part');
    local += w.text;
    i++;
    if (t[i]?.text !== '.') break;
    tight(i);
    local += '.';
    i++;
  }
  tight(i);
  if (t[i]?.text !== '@') throw new AddressSyntaxError('missing "@"');
  i++;
  const labels: string[] = [];
  for (;;) {
    const w = t[i];
    tight(i);
    if (w?.kind !== 'atom' || !/^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(w.text))
      throw new AddressSyntaxError('domain is not a host name');
    labels.push(w.text);
    i++;
    if (t[i]?.text !== '.') break;
    tight(i);
    i++;
  }
  const domain = labels.join('.');
  if (!local.length || local.length > LIMITS.local || /[^\x20-\x7e]|@/.test(local))
    throw new AddressSyntaxError('local part is empty, too long, not ASCII or holds "@"');
  if (local.length + 1 + domain.length > LIMITS.address) throw new AddressSyntaxError('address too long');
  return [{ local, domain }, i];
}
