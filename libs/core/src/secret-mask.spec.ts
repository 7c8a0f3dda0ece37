import { describe, expect, it } from '@jest/globals';
import { maskSecrets } from './secret-mask.js';

describe('maskSecrets', () => {
  it('masks every occurrence, longer secrets first', () => {
    expect(maskSecrets('token abc123 then abc123-long', ['abc123', 'abc123-long'])).toBe('token *** then ***');
  });

  it('masks a multi-line secret line by line and leaves text without secrets alone', () => {
    expect(maskSecrets('key: line-one-x / line-two-y', ['line-one-x\nline-two-y\n'])).toBe('key: *** / ***');
    expect(maskSecrets('nothing here', [])).toBe('nothing here');
  });
});
