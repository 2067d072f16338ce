// Every failure the project reports carries one of these codes, so logs and exit paths can branch on it.
export const ErrorCode = {
  Config: 'E_CONFIG',
  Exec: 'E_EXEC',
  Io: 'E_IO',
  Parse: 'E_PARSE',
  Validation: 'E_VALIDATION',
  Timeout: 'E_TIMEOUT',
  Bus: 'E_BUS',
  // A path a less-trusted user could have planted (symbolic link, hard link, device …): refused, never followed.
  Unsafe: 'E_UNSAFE_PATH',
  Internal: 'E_INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

// One error class for the whole project: callers switch on `code`, the edge logs it once.
export class MtaError extends Error {
  readonly code: ErrorCode;
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: readonly string[] }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MtaError';
    this.code = code;
    this.details = options?.details ?? [];
  }

  // Normalises anything thrown (strings, foreign errors) so the edge has one shape to log.
  static from(reason: unknown, code: ErrorCode = ErrorCode.Internal): MtaError {
    if (reason instanceof MtaError) return reason;
    if (reason instanceof Error) return new MtaError(code, reason.message, { cause: reason });
    return new MtaError(code, String(reason));
  }
}
