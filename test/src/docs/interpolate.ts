import { ErrorCode, MtaError } from '@mta/shared';

// Compose variable substitution as a user without an .env file gets it: ${X-d} and ${X:-d} give d, $$ is a literal $.
// ${X} without a default would depend on the reader's shell, so snippets may not use it.
export function interpolate(value: string): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(:?-)([^}]*)\}|\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*/g, (m, _name, op, dflt) => {
    if (m === '$$') return '$';
    if (op) return dflt as string;
    throw new MtaError(ErrorCode.Parse, `${m} has no default; write \${NAME-default} or $$ for a literal $`);
  });
}
