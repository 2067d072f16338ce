// The variant the health check probes for: the effective configuration's (what seeding configured), else the image's
// own marker (a container that has not seeded yet). Parsed with builtins only: the check starts every 30 s.
export function healthVariant(read: (path: string) => string | undefined, root = '/'): string {
  const effective = read(`${root}srv/etc/mta/effective.json`);
  if (effective !== undefined) {
    try {
      const v = (JSON.parse(effective) as { variant?: unknown }).variant;
      // The seed validated the file it wrote; the variant list itself lives in shared (not loaded here).
      if (typeof v === 'string' && /^[a-z]+$/.test(v)) return v;
    } catch {
      // A broken file is the seed's to report (it names the file); the image marker still tells what runs.
    }
  }
  return read(`${root}usr/share/mta/variant`)?.trim() ?? 'mini';
}
