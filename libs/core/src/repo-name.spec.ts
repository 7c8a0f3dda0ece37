import { describe, expect, it } from '@jest/globals';
import { isOwnerName, ownerNameOfUrl, splitOwnerName } from './repo-name.js';

describe('owner/name', () => {
  it('accepts GitHub-style names and refuses paths, URLs and dot segments', () => {
    expect(['acme/widget', 'Acme-1/my_app.js'].every(isOwnerName)).toBe(true);
    expect(['acme', 'acme/widget/x', 'https://h/acme/w', '../etc', 'acme/..', './x', 'a b/c', ''].some(isOwnerName)).toBe(false);
  });

  it('splits owner and name, and names a bad value in its error', () => {
    expect(splitOwnerName('acme/widget')).toEqual({ owner: 'acme', name: 'widget' });
    expect(() => splitOwnerName('acme/../x')).toThrow('repo: "acme/../x" is not owner/name');
  });

  it('takes owner/name from an http(s) git URL', () => {
    expect(ownerNameOfUrl('https://git.example.com/scm/acme/widget.git')).toBe('acme/widget');
    expect(() => ownerNameOfUrl('ssh://git@host/acme/widget.git')).toThrow('only http(s) git URLs');
    expect(() => ownerNameOfUrl('https://host/widget.git')).toThrow('must name owner/repository');
    expect(() => ownerNameOfUrl('not a url')).toThrow('owner/name of a repository built before');
  });
});
