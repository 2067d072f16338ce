// Retry delays after failures that are nobody's file's fault: 1 s doubling to a ceiling, reset by a success.
export class Backoff {
  private failures = 0;

  constructor(
    private readonly firstMs = 1000,
    private readonly maxMs = 60_000,
  ) {}

  next(): number {
    const ms = Math.min(this.firstMs * 2 ** this.failures, this.maxMs);
    this.failures++;
    return ms;
  }

  reset(): void {
    this.failures = 0;
  }
}
