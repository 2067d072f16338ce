import { accessSync, constants } from 'node:fs';

// A write to this path would fail with EROFS: it is on a read-only file system (a `:ro` volume; root's permissions
// do not matter). Checked before touching a path that may legitimately be read-only, so nothing tries to change it.
export function onReadOnlyFs(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EROFS';
  }
}
