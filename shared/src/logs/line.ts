// One daemon log line split into who wrote it and what it says. Postfix (maillog_file) and amavis write
// `Mon dd hh:mm:ss host program[pid]: text`; dovecot's log_path lines carry no host and no pid
// (`Mon dd hh:mm:ss imap-login: Info: text`). `program` is the last part of a postfix syslog name
// (postfix/submission/smtpd -> smtpd) and `service` the part before it (submission), or the program itself.
export interface LogLine {
  daemon: string;
  service: string;
  program: string;
  pid?: number;
  text: string;
}

const STAMP = String.raw`(?:[A-Z][a-z]{2} [ \d]\d [\d:.]{8,15}|\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-][\d:]+)?)`;
const WITH_HOST = new RegExp(`^${STAMP} \\S+ ([\\w./-]+)\\[(\\d+)\\]: (.*)$`);
const NO_HOST = new RegExp(`^${STAMP} ([\\w./-]+): (.*)$`);

// amavis writing to stderr (the image: $logfile empty, no syslog) prefixes only a syslog priority: `<6>(123-01) …`.
const PRIORITY_ONLY = /^<\d>(.*)$/;

// Undefined for lines that are not a daemon's (the sidecars' JSON, runit's own messages). `daemon` names whose
// stream the line came from, for lines that do not say it themselves.
export function splitLine(line: string, daemon?: string): LogLine | undefined {
  const h = WITH_HOST.exec(line);
  if (h) return named(h[1] as string, Number(h[2]), h[3] as string);
  const n = NO_HOST.exec(line);
  if (n) return named(n[1] as string, undefined, n[2] as string);
  const p = daemon ? PRIORITY_ONLY.exec(line) : null;
  if (p && daemon) return { daemon, service: daemon, program: daemon, text: p[1] as string };
  return undefined;
}

function named(raw: string, pid: number | undefined, text: string): LogLine {
  // amavis names itself by its path (/usr/sbin/amavisd-new) when it writes its own log file or stderr.
  const name = raw.startsWith('/') ? (raw.split('/').pop() ?? raw) : raw;
  const parts = name.split('/');
  const daemon = parts[0] as string;
  const program = parts.at(-1) as string;
  const service = parts.length > 2 ? parts.slice(1, -1).join('/') : program;
  return pid === undefined ? { daemon, service, program, text } : { daemon, service, program, pid, text };
}
