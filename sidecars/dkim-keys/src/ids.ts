import { readFile } from 'node:fs/promises';

// gid of a group in /etc/group format; undefined when absent (mini/base images have no amavis).
export function parseGroupId(groupFile: string, name: string): number | undefined {
  for (const line of groupFile.split('\n')) {
    const [n, , gid] = line.split(':');
    if (n === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  return undefined;
}

// Owner for key files: root, group amavis (looked up now, the image may renumber it); none when not root.
export async function keyOwner(group = 'amavis', groupFile = '/etc/group'): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const gid = parseGroupId(await readFile(groupFile, 'utf8').catch(() => ''), group);
  return { uid: 0, gid: gid ?? 0 };
}
