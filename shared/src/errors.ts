// Every failure the project reports carries one of these codes, so logs and exit paths can branch on it.
export const ErrorCode = {
  Config: 'E_CONFIG',
  Exec: 'E_EXEC',
  Io: 'E_IO',
  Parse: 'E_PARSE',
  Validation: 'E_VALIDATION',
  Timeout: 'E_TIMEOUT',
  // A peer broke its protocol (a milter packet, an SMTP reply that makes no sense) or hung up mid-conversation.
  Protocol: 'E_PROTOCOL',
  // Asked for something that cannot be done as asked (a bad argument, an unknown id): the caller's to fix.
  Usage: 'E_USAGE',
  // Something the work needs is not there (a component this image lacks, an unreachable service).
  Unavailable: 'E_UNAVAILABLE',
  // A path a less-trusted user could have planted (symbolic link, hard link, device …): refused, never followed.
  Unsafe: 'E_UNSAFE_PATH',
  Internal: 'E_INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

// One error class for the whole project: callers switch on `code`, the edge logs it once.
export class MtaError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MtaError';
    this.code = code;
  }

  // Normalises anything thrown (strings, foreign errors) so the edge has one shape to log.
  static from(reason: unknown, code: ErrorCode = ErrorCode.Internal): MtaError {
    if (reason instanceof MtaError) return reason;
    if (reason instanceof Error) return new MtaError(code, reason.message, { cause: reason });
    return new MtaError(code, String(reason));
  }
}

// "Did it work, and why not": one shape for every check whose failure is an answer, not an error (a refused
// signature, an unusable key). `T` is what a success carries, `F` what a failure carries besides its reason.
export type Outcome<T extends object = object, F extends object = object> = ({ ok: true } & T) | ({ ok: false; reason: string } & F);
