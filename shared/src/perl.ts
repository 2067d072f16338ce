// amavisd.conf and its snippets are Perl: every value from the environment or a file name goes through here, so a
// quote can never end the string.
export const perlStr = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

// A Perl list of single-quoted strings, e.g. for @mynetworks.
export const perlList = (items: readonly string[]): string => `(${items.map(perlStr).join(', ')})`;
