// The two drop folders of kopano-spamd and the sa-learn switch each maps to.
export type LearnKind = 'spam' | 'ham';
export const KINDS: readonly LearnKind[] = ['spam', 'ham'];
export const isKind = (s: string): s is LearnKind => s === 'spam' || s === 'ham';
