// Waits ms, or less when the signal aborts: retry loops must stop promptly on shutdown. The abort listener goes with
// the timer, so a long-lived signal shared by many sleeps collects none (MaxListenersExceededWarning otherwise).
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
