import type { EnvIssue } from '@mta/shared';
import type { MasterEntry, PlannedDir, PlannedFile, PlanPart } from './plan.ts';

// All renderers' parts folded into one plan the applier can validate and write.
export interface MergedPlan {
  postconf: Record<string, string>;
  master: MasterEntry[];
  files: PlannedFile[];
  dirs: PlannedDir[];
  remove: string[];
  errors: EnvIssue[];
  warnings: string[];
}

const masterKey = (m: MasterEntry) => `${m.service}/${m.type}`;

// Later parts win for scalars, master entries and files with the same path; list parameters accumulate.
export function mergeParts(parts: readonly PlanPart[]): MergedPlan {
  const postconf: Record<string, string> = {};
  const lists = new Map<string, string[]>();
  const master = new Map<string, MasterEntry>();
  const files = new Map<string, PlannedFile>();
  const dirs = new Map<string, PlannedDir>();
  const remove = new Set<string>();
  const errors: EnvIssue[] = [];
  const warnings: string[] = [];
  for (const p of parts) {
    Object.assign(postconf, p.postconf);
    for (const [k, v] of Object.entries(p.postconfLists ?? {})) lists.set(k, [...(lists.get(k) ?? []), ...v]);
    for (const m of p.master ?? []) master.set(masterKey(m), m);
    for (const f of p.files ?? []) files.set(f.path, f);
    for (const d of p.dirs ?? []) dirs.set(d.path, d);
    for (const r of p.remove ?? []) remove.add(r);
    errors.push(...(p.errors ?? []));
    warnings.push(...(p.warnings ?? []));
  }
  let merged = [...master.values()];
  for (const p of parts) if (p.rewriteMaster) merged = p.rewriteMaster(merged);
  for (const [k, entries] of lists) {
    const all = [...(postconf[k] ? postconf[k].split(/[\s,]+/).filter(Boolean) : []), ...entries];
    postconf[k] = [...new Set(all)].join(', ');
  }
  for (const [k, v] of Object.entries(postconf))
    if (/[\r\n]/.test(v)) errors.push({ variable: k.toUpperCase(), message: 'contains a line break; expected a single-line value' });
  const keep = new Set([...files.keys()].flatMap((f) => [f, `${f}.db`, `${f}.lmdb`, `${f}.cdb`]));
  return {
    postconf,
    master: merged,
    files: [...files.values()],
    dirs: [...dirs.values()],
    remove: [...remove].filter((r) => !keep.has(r)),
    errors,
    warnings,
  };
}
