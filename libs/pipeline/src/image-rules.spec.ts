import { describe, expect, it } from '@jest/globals';
import { comparableBefore, pathMatcher, skipReason } from './image-rules.js';

const spec = (rules: { branches?: string[]; paths?: string[] }) => ({ branches: rules.branches ?? null, paths: rules.paths ?? null });

describe('skipReason', () => {
  it('builds on a branch a glob matches, `*` within one segment and `**` across them', () => {
    const rules = spec({ branches: ['main', 'release/*', 'team/**'] });
    expect(skipReason(rules, { ref: 'refs/heads/main' }, null)).toBeNull();
    expect(skipReason(rules, { ref: 'refs/heads/release/1.2' }, null)).toBeNull();
    expect(skipReason(rules, { ref: 'refs/heads/team/a/b' }, null)).toBeNull();
    expect(skipReason(rules, { ref: 'main' }, null)).toBeNull(); // a manual build names the branch alone
    expect(skipReason(rules, { ref: 'refs/heads/release/1.2/hotfix' }, null)).toBe('branch release/1.2/hotfix is not in branches (main, release/*, team/**)');
    expect(skipReason(rules, { ref: 'refs/heads/feature' }, null)).toMatch(/^branch feature is not in branches/);
  });

  it('never filters tag or pull request builds by branches', () => {
    const rules = spec({ branches: ['main'] });
    expect(skipReason(rules, { ref: 'refs/tags/v1.2.3' }, null)).toBeNull();
    expect(skipReason(rules, { ref: 'refs/pull/7/head' }, null)).toBeNull();
  });

  it('builds when the change touched a file under its paths, and only then', () => {
    const rules = spec({ paths: ['services/api/**', 'libs/shared/**'] });
    expect(skipReason(rules, { ref: 'refs/heads/main' }, ['services/api/src/main.ts'])).toBeNull();
    expect(skipReason(rules, { ref: 'refs/heads/main' }, ['README.md', 'libs/shared/.env'])).toBeNull(); // dot files count
    expect(skipReason(rules, { ref: 'refs/heads/main' }, ['services/web/index.ts'])).toBe('no change under services/api/**, libs/shared/**');
    expect(skipReason(rules, { ref: 'refs/heads/main' }, [])).toBe('no change under services/api/**, libs/shared/**');
  });

  it('builds every image when there is nothing to compare with', () => {
    expect(skipReason(spec({ paths: ['services/api/**'] }), { ref: 'refs/heads/main' }, null)).toBeNull();
  });

  it('checks branches before paths, and says how many globs it left out of the reason', () => {
    const rules = spec({ branches: ['main'], paths: ['a/**', 'b/**', 'c/**', 'd/**', 'e/**'] });
    expect(skipReason(rules, { ref: 'refs/heads/dev' }, ['a/x'])).toBe('branch dev is not in branches (main)');
    expect(skipReason(rules, { ref: 'refs/heads/main' }, ['z'])).toBe('no change under a/**, b/**, c/** and 2 more');
  });
});

describe('pathMatcher', () => {
  it('excludes what a `!glob` names, and with only exclusions matches everything else', () => {
    const api = pathMatcher(['services/api/**', '!services/api/docs/**']);
    expect(api('services/api/main.go')).toBe(true);
    expect(api('services/api/docs/readme.md')).toBe(false);
    const notDocs = pathMatcher(['!**/*.md']);
    expect(notDocs('src/a.ts')).toBe(true);
    expect(notDocs('docs/a.md')).toBe(false);
  });
});

describe('comparableBefore', () => {
  it('is the commit a push was before, but not a new branch (all zeros), nothing, or no full sha', () => {
    const sha = 'a'.repeat(40);
    expect(comparableBefore(sha)).toBe(sha);
    expect(comparableBefore('0'.repeat(40))).toBeNull();
    expect(comparableBefore(null)).toBeNull();
    expect(comparableBefore('abc1234')).toBeNull();
    expect(comparableBefore('--output=x')).toBeNull();
  });
});
