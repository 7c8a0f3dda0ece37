import { describe, expect, it } from '@jest/globals';
import { RepoGlobs, repoPathOf } from './repo-globs.js';

describe('RepoGlobs', () => {
  it('matches host/owner/name of a clone URL, case-insensitively, * within a segment and ** across', () => {
    const globs = new RepoGlobs(['github.com/acme/*', 'git.internal:8443/team/**']);
    expect(globs.allows('https://GitHub.com/Acme/App.git')).toBe(true);
    expect(globs.allows('https://git.internal:8443/team/sub/app.git')).toBe(true);
    expect(globs.allows('https://github.com/acme-evil/app.git')).toBe(false);
    expect(globs.allows('https://github.com/acme/app/extra.git')).toBe(false);
    expect(globs.allows('https://git.internal/team/app.git')).toBe(false);
  });

  it('matches nothing when empty, nor a string that is no URL', () => {
    expect(new RepoGlobs([]).allows('https://github.com/acme/app.git')).toBe(false);
    expect(new RepoGlobs(['**']).allows('acme/app')).toBe(false);
  });

  it('names a repository by its host with port, owner and name, without .git or a trailing slash', () => {
    expect(repoPathOf('https://GitHub.com:8443/acme/app.git/')).toBe('github.com:8443/acme/app');
    expect(repoPathOf('http://127.0.0.1:4000/acme/box-1')).toBe('127.0.0.1:4000/acme/box-1');
  });
});
