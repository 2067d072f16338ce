import { formatIssue, parseEnv } from '../parse.ts';

// parseEnv on a host whose name has a domain (tests only), and its errors as the lines a user reads.
export const parse = (env: Record<string, string>) => parseEnv({ HOSTNAME: 'mx.example.com', ...env });
export const errorsOf = (env: Record<string, string>): string[] => {
  const r = parse(env);
  return r.ok ? [] : r.errors.map(formatIssue);
};
