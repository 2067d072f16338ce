import type { Config, DaemonVersions, EnvIssue, MtaPaths, RawEnv, Variant } from '@mta/shared';

// One file the seed will write: content is final, owner/mode are what the daemon expects.
export interface PlannedFile {
  path: string;
  content: string | Buffer;
  mode: number;
  owner?: string;
  group?: string;
  // Postfix lookup table: run `postmap <type>:<path>` after writing (hash, lmdb, …).
  postmap?: string;
  // Written only when missing: the seed creates it, a sidecar owns its content (the guard's ban maps).
  ifMissing?: boolean;
}

export interface PlannedDir {
  path: string;
  mode: number;
  owner?: string;
  group?: string;
  // May be a read-only mount (ClamAV signatures from an updater elsewhere): then it is left exactly as it is.
  mayBeReadOnly?: boolean;
}

// A master.cf service line; replaces any entry with the same service name and type.
export interface MasterEntry {
  service: string;
  type: 'inet' | 'unix' | 'unix-dgram' | 'fifo' | 'pass';
  // The full master.cf entry (first line plus `  -o` continuation lines); empty removes the service.
  entry: string;
}

// What one renderer (postfix, dovecot, amavis, …) contributes. Renderers are pure: config in, part out.
export interface PlanPart {
  // main.cf parameter -> value. When two parts set the same parameter the later renderer wins.
  postconf?: Record<string, string>;
  // List parameters several renderers contribute to (virtual_mailbox_maps, virtual_alias_maps, …): entries of all
  // parts are joined in renderer order after any plain `postconf` value, duplicates dropped.
  postconfLists?: Record<string, string[]>;
  master?: MasterEntry[];
  // Runs on the merged master entries after every part, in part order: for a renderer that must see what the
  // others put on a port (postscreen in front of the filter's smtpd, the PROXY gate moving the public services).
  rewriteMaster?: (entries: readonly MasterEntry[]) => MasterEntry[];
  files?: PlannedFile[];
  dirs?: PlannedDir[];
  // Files this renderer owns that must not exist in this configuration (a table whose variable was removed, e.g.
  // sasl_passwd after SMTP_RELAY_HOSTAUTH is gone); deleted after main.cf/master.cf stop referring to them.
  remove?: string[];
  // Problems only visible when rendering (e.g. cert/key mismatch); reported with env errors, nothing is written.
  errors?: EnvIssue[];
  warnings?: string[];
}

// Everything a renderer may look at. Facts about the machine (postconf -d names, uids) are read once by the
// applier and passed in, so renderers stay pure and testable.
export interface RenderContext {
  config: Config;
  // The raw environment (after __FILE resolution), for the postfix/dovecot pass-through variables.
  env: RawEnv;
  paths: MtaPaths;
  variant: Variant;
  // Names of all postfix parameters (`postconf -d`), for the generic UPPERCASE pass-through.
  postfixParams: ReadonlySet<string>;
  // Names of all dovecot settings (`doveconf -d`), for DOVECOT_* pass-through.
  dovecotParams: ReadonlySet<string>;
  // The installed postfix and dovecot versions (the effective configuration's facts.daemons): which syntax to render.
  daemons: DaemonVersions;
  // Files the renderer needs to read (cert files etc.), injected for tests.
  readFile: (path: string) => Buffer | undefined;
  now: Date;
}

export type Renderer = (ctx: RenderContext) => PlanPart;
