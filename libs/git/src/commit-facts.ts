import type { CommitFacts } from './git-client.js';

/** At most this many characters of a commit's subject line are kept. */
export const MAX_SUBJECT_LENGTH = 500;
/** At most this many characters of its author's name, and of their email. */
export const MAX_IDENT_LENGTH = 200;

/**
 * Terminal escape sequences: CSI (`ESC [` or 8-bit `0x9b`, e.g. colours, cursor moves), the
 * terminated strings (OSC `ESC ]` such as titles and hyperlinks, DCS, SOS, PM, APC), and any
 * other `ESC` with the character after it. Whatever is left of an unterminated one loses its
 * control characters below, so it can no longer drive a terminal.
 */
const ESCAPE_SEQUENCE = /\u001b\[[0-?]*[ -/]*[@-~]|\u009b[0-?]*[ -/]*[@-~]|\u001b[\]PX^_][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[ -~]?/g;
/** C0 and C1 control characters, DEL, and the bidirectional overrides and isolates ("Trojan Source"). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A line of text from a commit (its author wrote it: hostile), safe to store and show: no
 * escape sequences or control characters (a tab becomes a space), trimmed, and at most `max`
 * characters (never half a surrogate pair).
 */
export function cleanCommitText(text: string, max: number): string {
  const clean = text.replace(ESCAPE_SEQUENCE, '').replace(/\t/g, ' ').replace(CONTROL, '').trim();
  if (clean.length <= max) return clean;
  const cut = clean.slice(0, max);
  return (/[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut).trimEnd();
}

/** The facts of a commit from its raw author name, email and message (see `CommitFacts`). */
export function commitFactsOf(name: string, email: string, message: string): CommitFacts {
  return {
    subject: subjectOf(message),
    author: { name: cleanCommitText(name, MAX_IDENT_LENGTH), email: cleanCommitText(email, MAX_IDENT_LENGTH) },
  };
}

/** The first line of the message with text left once cleaned (git's own subject skips leading blank lines too); '' if none. */
function subjectOf(message: string): string {
  for (const line of message.split('\n')) {
    const subject = cleanCommitText(line, MAX_SUBJECT_LENGTH);
    if (subject !== '') return subject;
  }
  return '';
}
