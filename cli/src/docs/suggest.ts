// Edit distance, so `mta config explain SMTP_RELAY_HOST` can point at the variable the user meant.
export function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length] ?? 0;
}

// Up to `max` known names close to `input`: small edit distance, or one name containing the other.
export function suggest(input: string, names: readonly string[], max = 3): string[] {
  const wanted = input.toUpperCase();
  const limit = Math.max(2, Math.floor(wanted.length / 4));
  // Underscores are the usual slip (SMTP_RELAYHOST), so containment is judged without them.
  const bare = (s: string) => s.replace(/_/g, '');
  const contains = (n: string) => wanted.length >= 4 && (bare(n).includes(bare(wanted)) || bare(wanted).includes(bare(n)));
  return names
    .map((n) => ({ n, d: contains(n) ? 0.5 : distance(wanted, n) }))
    .filter((s) => s.d <= limit)
    .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n))
    .slice(0, max)
    .map((s) => s.n);
}
