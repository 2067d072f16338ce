// The bounded vocabularies of the sender milter's events: metrics label values come only from these.

// The header fields whose addresses amavis may sign for (From, then Resent-From/Resent-Sender, then Sender), so the
// ones a login must own.
export const SENDER_FIELDS = ['from', 'sender', 'resent-from', 'resent-sender'] as const;
export type SenderField = (typeof SENDER_FIELDS)[number];

// Why a message was refused (5.7.1) or deferred (4.7.1).
export const SENDER_REASONS = [
  'not-owned',
  'several-fields',
  'several-addresses',
  'unreadable',
  'ambiguous',
  'too-many',
  'unusable-login',
  'no-login',
  'check-unavailable',
] as const;
export type SenderReason = (typeof SENDER_REASONS)[number];

export const isSenderField = (name: string): name is SenderField => (SENDER_FIELDS as readonly string[]).includes(name);
