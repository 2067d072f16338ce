import type { Command } from 'commander';

// `<group> ls [--json]`: every listing prints a table for people, or one JSON object per line for scripts.
export function addLs(group: Command, description: string, list: (opts: { json?: boolean }) => void | Promise<void>): Command {
  return group.command('ls').description(description).option('--json', 'one JSON object per line').action(list);
}
