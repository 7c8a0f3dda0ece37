import { describe, expect, it } from '@jest/globals';
import { branchTag, imageRepository, imageTags, slugTag } from './image-tags.js';

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

  it('never moves 1 or 1.2 back to an older release', () => {
    const released = ['1.2.4', '1.3.0', '2.0.0', '1.4.0-rc.1', 'not-a-version'];
    expect(imageTags({ ref: 'refs/tags/v1.2.3', sha, defaultBranch: 'main' }, released)).toEqual(['1.2.3', 'sha-6113728']);
    expect(imageTags({ ref: 'refs/tags/v1.2.5', sha, defaultBranch: 'main' }, released)).toEqual(['1.2.5', '1.2', 'sha-6113728']);
    expect(imageTags({ ref: 'refs/tags/v1.3.1', sha, defaultBranch: 'main' }, released)).toEqual(['1.3.1', '1.3', '1', 'sha-6113728']);
    expect(imageTags({ ref: 'refs/tags/v2.0.0', sha, defaultBranch: 'main' }, released)).toEqual(['2.0.0', '2.0', '2', 'sha-6113728']);
  });

  it('gives a prerelease only its own version and the sha', () => {
    expect(imageTags({ ref: 'refs/tags/v1.2.3-rc.1', sha, defaultBranch: 'main' })).toEqual(['1.2.3-rc.1', 'sha-6113728']);
  });

  it('slugs any other tag', () => {
    expect(imageTags({ ref: 'refs/tags/Release/Nightly', sha, defaultBranch: 'main' })).toEqual(['release-nightly']);
  });

  it('tags a pull request head pr-N', () => {
    expect(imageTags({ ref: 'refs/pull/17/head', sha, defaultBranch: 'main' })).toEqual(['pr-17']);
    expect(imageTags({ ref: 'refs/pull/17/head', sha, defaultBranch: 'main', pullRequest: 17 })).toEqual(['pr-17']);
    // a push of the same commit shares the pull request's build: both sets of tags
    expect(imageTags({ ref: 'refs/heads/feature/x', sha, defaultBranch: 'main', pullRequest: 17 })).toEqual(['sha-6113728', 'feature-x', 'pr-17']);
  });
});

describe('branchTag', () => {
  it('prefixes branches whose slug could take over a tag Drydock gives', () => {
    const names = ['latest', 'LATEST', '1.2.3', 'v1.2.3', 'v2', '1', '1.2', 'sha-6113728', 'sha-abc', 'pr-3'];
    expect(names.map(branchTag)).toEqual([
      'branch-latest',
      'branch-latest',
      'branch-1.2.3',
      'branch-v1.2.3',
      'branch-v2',
      'branch-1',
      'branch-1.2',
      'branch-sha-6113728',
      'branch-sha-abc',
      'branch-pr-3',
    ]);
  });

  it('leaves other branches their slug', () => {
    expect(['main', 'latest-fixes', 'sha-xyz', 'pr-3a', 'v1.2.3.4', 'release/1.2'].map(branchTag)).toEqual([
      'main',
      'latest-fixes',
      'sha-xyz',
      'pr-3a',
      'v1.2.3.4',
      'release-1.2',
    ]);
  });

  it('is used for branch pushes, and latest still goes to the default branch', () => {
    expect(imageTags({ ref: 'refs/heads/latest', sha, defaultBranch: 'main' })).toEqual(['sha-6113728', 'branch-latest']);
    expect(imageTags({ ref: 'refs/heads/1.2.3', sha, defaultBranch: '1.2.3' })).toEqual(['sha-6113728', 'branch-1.2.3', 'latest']);
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
  it('puts a config name under the owner, also when it has a path of its own', () => {
    expect(imageRepository('r:5000/ns', 'Octo/app', 'api')).toBe('r:5000/ns/octo/api');
    expect(imageRepository('r:5000', 'Octo/app', 'team/web')).toBe('r:5000/octo/team/web');
    expect(imageRepository('r:5000', 'Octo/app', 'otherorg/api')).toBe('r:5000/octo/otherorg/api');
  });
});
