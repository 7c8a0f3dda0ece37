import { describe, expect, it } from '@jest/globals';
import { LINE_CUT_MARK, LineSplitter } from './line-splitter.js';

const split = (chunks: Array<string | Buffer>, max = 8) => {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line), max);
  for (const chunk of chunks) splitter.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  splitter.end();
  return lines;
};

describe('LineSplitter', () => {
  it('splits on \\n, \\r\\n and a lone \\r, across chunks', () => {
    expect(split(['one\ntw', 'o\r', '\nthree\rfour'])).toEqual(['one', 'two', 'three', 'four']);
    expect(split(['a\n\nb\n'])).toEqual(['a', '', 'b']);
  });

  it('cuts a long line at the limit, marks the cut and skips the rest of it', () => {
    expect(split(['0123456789abc\nnext\n'])).toEqual([`01234567${LINE_CUT_MARK}`, 'next']);
    expect(split(['0123', '4567', '89', 'ab', '\nnext'])).toEqual([`01234567${LINE_CUT_MARK}`, 'next']);
    expect(split(['01234567\n'])).toEqual(['01234567']);
    expect(split(['0123456789'])).toEqual([`01234567${LINE_CUT_MARK}`]);
  });

  it('does not split a UTF-8 character at the cut', () => {
    expect(split(['abcdeüü\n'])).toEqual([`abcdeü${LINE_CUT_MARK}`]);
  });

  it('holds no more than the limit of an endless line', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line), 64 * 1024);
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    for (let i = 0; i < 200; i++) splitter.push(chunk); // 200 MiB, one line
    splitter.push(Buffer.from('\nafter\n'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toHaveLength(64 * 1024 + LINE_CUT_MARK.length);
    expect(lines[1]).toBe('after');
  });
});
