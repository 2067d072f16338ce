import { existsSync, globSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

// The repository's source files and the files each imports, resolved as `--conditions=source` does: relative paths,
// and @mta/<package>[/<sub>] through the package's "source" export. Other packages (node:, npm) are left out.

export interface Workspace {
  name: string;
  dir: string;
  deps: string[];
}

export interface ImportGraph {
  workspaces: Workspace[];
  // file (relative to the repository) -> every import: the specifier, and the file it resolves to (if a source file)
  imports: Map<string, { spec: string; file?: string }[]>;
}

const SPEC =
  /(?:^|[\s;}])(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;

export function importSpecifiers(source: string): string[] {
  const noComments = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [...noComments.matchAll(SPEC)].map((m) => (m[1] ?? m[2]) as string);
}

export function importGraph(repo: string): ImportGraph {
  const json = (p: string) => JSON.parse(readFileSync(join(repo, p), 'utf8'));
  const workspaces: Workspace[] = (json('package.json').workspaces as string[])
    .flatMap((w) => globSync(w, { cwd: repo }))
    .map((dir) => {
      const pkg = json(join(dir, 'package.json'));
      const deps = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((n) => n.startsWith('@mta/'));
      return { name: pkg.name as string, dir, deps };
    });
  const byName = new Map(workspaces.map((w) => [w.name, w]));
  const files = globSync(['{shared,sidecars/*,cli,test,bench}/src/**/*.{ts,mts}', 'scripts/**/*.{ts,mjs}'], { cwd: repo }).filter(
    (f) => !f.includes('node_modules'),
  );
  const asFile = (abs: string): string | undefined => {
    for (const cand of [abs, `${abs}.ts`, join(abs, 'index.ts')]) if (existsSync(cand) && cand.match(/\.(ts|mts|mjs)$/)) return cand;
    return undefined;
  };
  const resolveSpec = (from: string, spec: string): string | undefined => {
    if (spec.startsWith('.')) return asFile(resolve(repo, dirname(from), spec));
    const m = /^(@mta\/[^/]+)(?:\/(.+))?$/.exec(spec);
    const ws = m && byName.get(m[1] as string);
    if (!m || !ws) return undefined;
    const pkg = json(join(ws.dir, 'package.json'));
    const exp = pkg.exports?.[m[2] ? './*' : '.'];
    const target = typeof exp === 'string' ? exp : exp?.source;
    if (typeof target !== 'string') return undefined;
    return asFile(resolve(repo, ws.dir, target.replace('*', m[2] ?? '')));
  };
  const imports = new Map<string, { spec: string; file?: string }[]>();
  for (const f of files) {
    const specs = importSpecifiers(readFileSync(join(repo, f), 'utf8'));
    imports.set(
      f,
      specs.map((spec) => {
        const abs = resolveSpec(f, spec);
        return abs === undefined ? { spec } : { spec, file: relative(repo, abs) };
      }),
    );
  }
  return { workspaces, imports };
}

// The workspace a file belongs to (undefined: outside every workspace, e.g. scripts/).
export const workspaceOf = (g: ImportGraph, file: string): Workspace | undefined => g.workspaces.find((w) => file.startsWith(`${w.dir}/`));

// Strongly connected components with more than one file (or a file importing itself): the import cycles.
export function cycles(g: ImportGraph): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const edges = (f: string) => (g.imports.get(f) ?? []).flatMap((i) => (i.file && g.imports.has(i.file) ? [i.file] : []));
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of edges(v)) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v) as number, idx.get(w) as number));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || edges(v).includes(v)) out.push(scc.sort());
    }
  };
  for (const f of g.imports.keys()) if (!idx.has(f)) visit(f);
  return out;
}
