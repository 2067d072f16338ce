import { basename, dirname } from 'node:path';
import { isKind, type LearnKind } from './kind.ts';

// Names that are never a finished message: dotfiles (rsync/editor temps), *.tmp, *.part, *.swp, backups ending in ~.
const TEMP = /^\.|\.(tmp|temp|part|partial|swp|swx)$|~$/i;

// Whether a drop-folder entry is someone's work in progress and must be left alone.
export function isTempName(name: string): boolean {
  return TEMP.test(name);
}

// Kind of a file from the folder it sits in (<lib>/spam/x or <lib>/ham/x).
export function kindOf(path: string): LearnKind | undefined {
  const dir = basename(dirname(path));
  return isKind(dir) ? dir : undefined;
}
