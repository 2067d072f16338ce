// The UTC days daily reports (DMARC, TLS-RPT) cover.
export const DAY_S = 86_400;
export const dayOf = (unixSeconds: number): string => new Date(unixSeconds * 1000).toISOString().slice(0, 10);
export const dayStart = (day: string): number => Date.parse(`${day}T00:00:00Z`) / 1000;
