import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// "13.1 (trixie)": the Debian point release and code name of the root, or undefined outside Debian.
export function debianRelease(root = '/'): string | undefined {
  try {
    const point = readFileSync(join(root, 'etc/debian_version'), 'utf8').trim();
    const name = /^VERSION_CODENAME=(\S+)/m.exec(readFileSync(join(root, 'etc/os-release'), 'utf8'))?.[1];
    return name ? `${point} (${name})` : point;
  } catch {
    return undefined;
  }
}
