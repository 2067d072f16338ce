import { ErrorCode, MtaError } from '../errors.ts';

// What the operator can do about a failed file operation, by errno. None of these is fixed by changing a variable:
// they are about the volume, its owner or the disk, and the message says so.
const FIX: Record<string, string> = {
  EROFS: 'the file system is read-only: mount the volume read-write (no :ro) or keep this path off it',
  EACCES:
    'permission denied: check the owner and mode of the path and of the directories above it (a volume made by another user, or a network share that maps root to nobody)',
  EPERM:
    'operation not permitted: the file system or the container refuses it (a host directory that does not allow changing owners, an immutable file, a dropped capability)',
  ENOSPC: 'no space left on the device: free space on the volume or the host disk (docker system df)',
  EDQUOT: 'disk quota exceeded: free space or raise the quota of the volume',
  EIO: 'input/output error: the disk or the network file system failed',
  ENOENT: 'it does not exist',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  EEXIST: 'it exists already',
  EMFILE: 'too many open files in this process',
  ENFILE: 'too many open files on the host',
  ENAMETOOLONG: 'the name is too long',
  EXDEV: 'it is on another file system (a rename cannot cross volumes)',
};

// The errno of a Node error, e.g. EROFS.
const errnoOf = (e: unknown): string | undefined => {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
};

// True for errors that a change of the environment variables would not fix: the disk, a volume, ownership.
const isStorageErrno = (errno: string | undefined): boolean =>
  errno !== undefined && ['EROFS', 'EACCES', 'EPERM', 'ENOSPC', 'EDQUOT', 'EIO'].includes(errno);

const describe = (op: string, path: string, errno: string | undefined, cause: unknown): string => {
  const fix = errno ? FIX[errno] : undefined;
  const why = fix ?? (cause instanceof Error ? cause.message : String(cause));
  return `cannot ${op} ${path}: ${why}${errno ? ` (${errno})` : ''}`;
};

// A file operation that failed: which one, on which path, and (through the errno) what to do about it.
export class FsError extends MtaError {
  readonly errno: string | undefined;
  constructor(
    readonly op: string,
    readonly path: string,
    cause: unknown,
  ) {
    const errno = errnoOf(cause);
    super(ErrorCode.Io, describe(op, path, errno, cause), { cause });
    this.name = 'FsError';
    this.errno = errno;
  }
}

export const isFsError = (e: unknown): e is FsError => e instanceof FsError;

// `e` as an FsError for op on path; errors that already say what they are about (FsError, a refused path) pass.
export function fsError(op: string, path: string, e: unknown): Error {
  if (e instanceof MtaError) return e;
  return new FsError(op, path, e);
}

// Runs one file operation; a failure becomes an FsError naming op and path.
export async function fsOp<T>(op: string, path: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fsError(op, path, e);
  }
}

// How an error is told at the edge (a sidecar's fatal line, the seed's last word). A Node error from a file call that
// was not wrapped still carries its call and path: it is told the same way as an FsError.
export function describeError(e: unknown): string {
  if (e instanceof MtaError) return e.message;
  const err = e as NodeJS.ErrnoException & { dest?: string };
  const errno = errnoOf(e);
  if (errno && err.syscall && err.path) {
    const path = err.dest ? `${err.path} to ${err.dest}` : err.path;
    return describe(err.syscall, path, errno, e);
  }
  return e instanceof Error ? e.message : String(e);
}

// The same, with the errno, for an edge that must tell storage trouble from a configuration error.
export function storageErrno(e: unknown): string | undefined {
  if (e instanceof FsError) return isStorageErrno(e.errno) ? e.errno : undefined;
  const errno = errnoOf(e) ?? errnoOf((e as { cause?: unknown } | undefined)?.cause);
  return isStorageErrno(errno) ? errno : undefined;
}
