// Dovecot config values: unquoted, `#` starts a comment and surrounding spaces vanish, so anything unusual is quoted.
export function dq(value: string): string {
  if (/^[A-Za-z0-9_.,:/=@%&|()*<>+-]*$/.test(value) && value !== '') return value;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

// `key = value` lines, skipping unset values.
export function settingLines(settings: Record<string, string | undefined>, indent = ''): string[] {
  return Object.entries(settings)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `${indent}${k} = ${dq(v)}`);
}
