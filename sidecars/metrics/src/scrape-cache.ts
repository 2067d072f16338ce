// One reading at a time, reused for `ttlMs` after it finished: concurrent requests share the running one, so a burst
// of scrapes (or a client hammering /metrics) costs one queue walk per ttl. A failed reading is not kept. ttlMs 0:
// every call reads again once the running one is over (benchmarks measure the reading itself).
export function cacheFor<T>(read: () => Promise<T>, ttlMs: number, now: () => number = Date.now): () => Promise<T> {
  let running: Promise<T> | undefined;
  let kept: { value: T; at: number } | undefined;
  return () => {
    if (running) return running;
    if (kept && ttlMs > 0 && now() - kept.at < ttlMs) return Promise.resolve(kept.value);
    const p = read().then(
      (value) => {
        kept = { value, at: now() };
        return value;
      },
      (e: unknown) => {
        kept = undefined;
        throw e;
      },
    );
    running = p;
    const clear = () => {
      if (running === p) running = undefined;
    };
    p.then(clear, clear);
    return p;
  };
}
