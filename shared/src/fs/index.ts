// Link-safe file operations: every root process that works in a directory another uid can write goes through these.
// Rules: no symbolic link is followed (O_NOFOLLOW, lstat), hard links and non-regular files are refused where a file
// is expected, ownership and mode change only through a handle, writes are atomic renames; in a directory another uid
// owns, entries are reached through a directory handle (DirHandle), never by walking its path again.
export * from './dir.ts';
export * from './dir-handle.ts';
export * from './errors.ts';
export * from './open.ts';
export * from './owner.ts';
export * from './readonly.ts';
export * from './refused.ts';
export * from './root-path.ts';
export * from './stamp.ts';
export * from './sync.ts';
export * from './write.ts';
