import { describe, expect, it } from '@jest/globals';
import { cleanCommitText, commitFactsOf, MAX_IDENT_LENGTH, MAX_SUBJECT_LENGTH } from './commit-facts.js';

describe('cleanCommitText', () => {
  it('removes colours, cursor moves, titles, hyperlinks and 8-bit escapes, keeping the text between them', () => {
    expect(cleanCommitText('\u001b[1;31mred\u001b[0m \u001b[2K\u001b[1Aup', 100)).toBe('red up');
    expect(cleanCommitText('\u001b]0;pwned\u0007title \u001b]8;;https://evil.example/\u001b\\link\u001b]8;;\u001b\\', 100)).toBe('title link');
    expect(cleanCommitText('\u009b31mcsi\u001bc reset \u001bPdcs\u001b\\done', 100)).toBe('csi reset done');
  });

  it('drops control characters and bidi overrides, turns a tab into a space and trims', () => {
    expect(cleanCommitText('  a\u0000b\u0007c\rd\u007fe\u0085f\tg\u202eh\u2066i  ', 100)).toBe('abcdef ghi');
    expect(cleanCommitText('\u001b]unterminated', 100)).toBe('unterminated');
  });

  it('keeps unicode, and cuts at the limit without splitting a surrogate pair', () => {
    expect(cleanCommitText('Ünïcödé 🚀', 100)).toBe('Ünïcödé 🚀');
    expect(cleanCommitText('ab🚀', 3)).toBe('ab');
    expect(cleanCommitText('abc d', 4)).toBe('abc');
  });
});

describe('commitFactsOf', () => {
  it('takes the first line with text as the subject, never the body', () => {
    expect(commitFactsOf('Ada', 'ada@example.com', '\n\u001b[0m\nFix it\r\nbody\n').subject).toBe('Fix it');
    expect(commitFactsOf('Ada', 'ada@example.com', '').subject).toBe('');
  });

  it('caps the subject, name and email', () => {
    const facts = commitFactsOf('n'.repeat(1000), `${'e'.repeat(1000)}@example.com`, 's'.repeat(1000));
    expect(facts.subject).toHaveLength(MAX_SUBJECT_LENGTH);
    expect(facts.author.name).toHaveLength(MAX_IDENT_LENGTH);
    expect(facts.author.email).toHaveLength(MAX_IDENT_LENGTH);
  });
});
