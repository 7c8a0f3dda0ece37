import { describe, expect, it } from '@jest/globals';
import { imageRepository, imageTags, slugTag } from './image-tags.js';

const sha = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';

describe('imageTags', () => {
  it('tags a push to the default branch with sha, branch and latest', () => {
    expect(imageTags({ ref: 'refs/heads/main', sha, defaultBranch: 'main' })).toEqual(['sha-6113728', 'main', 'latest']);
  });

  it('does not tag latest for other branches and slugs their names', () => {
    expect(imageTags({ ref: 'refs/heads/feature/Über X', sha, defaultBranch: 'main' })).toEqual(['sha-6113728', 'feature--ber-x']);
  });

  it('expands a release tag into semver tags', () => {
    expect(imageTags({ ref: 'refs/tags/v1.2.3', sha, defaultBranch: 'main' })).toEqual(['1.2.3', '1.2', '1', 'sha-6113728']);
    expect(imageTags({ ref: 'refs/tags/1.2.3', sha, defaultBranch: 'main' })).toEqual(['1.2.3', '1.2', '1', 'sha-6113728']);
  });

  it('gives a prerelease only its own version and the sha', () => {
    expect(imageTags({ ref: 'refs/tags/v1.2.3-rc.1', sha, defaultBranch: 'main' })).toEqual(['1.2.3-rc.1', 'sha-6113728']);
  });

  it('slugs any other tag', () => {
    expect(imageTags({ ref: 'refs/tags/Release/Nightly', sha, defaultBranch: 'main' })).toEqual(['release-nightly']);
  });

  it('tags a pull request head pr-N', () => {
    expect(imageTags({ ref: 'refs/pull/17/head', sha, defaultBranch: 'main' })).toEqual(['pr-17']);
  });
});

describe('slugTag', () => {
  it('makes valid docker tags of hostile names', () => {
    for (const name of ['-x', '.hidden', '$(rm -rf /)', 'a'.repeat(300), '🚀']) {
      expect(slugTag(name)).toMatch(/^[a-z0-9_][a-z0-9._-]{0,127}$/);
    }
    expect(slugTag('$(rm -rf /)')).toBe('rm--rf---');
  });
});

describe('imageRepository', () => {
  it('lowercases owner/repo under the registry', () => {
    expect(imageRepository('localhost:5000', 'Codertocat/Hello-World', null)).toBe('localhost:5000/codertocat/hello-world');
  });
  it('lets a config name the image under the owner, or a full path', () => {
    expect(imageRepository('r:5000/ns', 'Octo/app', 'api')).toBe('r:5000/ns/octo/api');
    expect(imageRepository('r:5000', 'Octo/app', 'team/web')).toBe('r:5000/team/web');
  });
});
