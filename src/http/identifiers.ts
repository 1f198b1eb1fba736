// Identifier text (e-mails, names, external ids of agents and groups): one rule for every form and
// API field that names something. Control characters (C0, DEL, C1, line/paragraph separators) and
// the invisible bidirectional overrides are refused: they make two identifiers look alike, break
// CSV and log lines, and were accepted in e-mails ('a\u0000b@x.io').
// E-mail identity: addresses are stored and compared lowercased (case-insensitive) and nothing else
// is folded: 'ümlaut@x' and 'umlaut@x' are two addresses on both engines (the columns compare
// bytes; see migrations/202612071103_identifier_collation.ts).

// eslint-disable-next-line no-control-regex
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

export const CONTROL_CHARACTERS_MESSAGE = 'must not contain control characters';

export function hasNoControlCharacters(s: string): boolean {
  return !CONTROL_CHARACTERS.test(s);
}

/** The one e-mail key: trimmed and lowercased (Unicode case), nothing else folded. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
