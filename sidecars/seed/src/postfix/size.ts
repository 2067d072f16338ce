import type { PlanPart, RenderContext } from '../plan.ts';

const POSTFIX_MAILBOX_LIMIT = 51_200_000;

// MESSAGE_SIZE_LIMIT; the mailbox limits must not be smaller or postfix refuses to start.
export function renderSizeLimit(ctx: RenderContext): PlanPart {
  const size = ctx.config.MESSAGE_SIZE_LIMIT;
  const box = size === 0 ? 0 : Math.max(size, POSTFIX_MAILBOX_LIMIT);
  return {
    postconf: { message_size_limit: String(size), virtual_mailbox_limit: String(box), mailbox_size_limit: String(box) },
  };
}
