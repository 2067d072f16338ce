// Certificate lifetimes, renewal windows and test clocks all count in days of milliseconds.
export const DAY_MS = 86_400_000;
