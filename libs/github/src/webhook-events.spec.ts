import { describe, expect, it } from '@jest/globals';
import { Webhooks } from '@octokit/webhooks';
import { DrydockError } from '@drydock/core';
import { checkRunRerequestedPayload, examplePayload, pullRequestCommentPayload, pullRequestPayload } from '@drydock/testing';
import { parseWebhook, skipMarkerOf, verifyWebhookSignature } from './webhook-events.js';

describe('verifyWebhookSignature', () => {
  const body = JSON.stringify(examplePayload('ping'));

  it('accepts GitHub’s HMAC and refuses anything else', async () => {
    const signature = await new Webhooks({ secret: 's3cret' }).sign(body);
    expect(await verifyWebhookSignature('s3cret', body, signature)).toBe(true);
    expect(await verifyWebhookSignature('other', body, signature)).toBe(false);
    expect(await verifyWebhookSignature('s3cret', `${body} `, signature)).toBe(false);
    expect(await verifyWebhookSignature('s3cret', body, undefined)).toBe(false);
    expect(await verifyWebhookSignature('s3cret', body, 'sha256=zz')).toBe(false);
  });
});

describe('parseWebhook', () => {
  it('turns a branch push into a push build of the head commit', () => {
    const payload = examplePayload('push', (p) => p.ref === 'refs/heads/master');
    expect(parseWebhook('push', payload)).toEqual({
      kind: 'build',
      requests: [
        {
          repo: 'Codertocat/Hello-World',
          cloneUrl: 'https://github.com/Codertocat/Hello-World.git',
          ref: 'refs/heads/master',
          sha: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
          event: 'push',
          defaultBranch: 'master',
          before: payload.before,
          installationId: 1, // the example was sent to a GitHub App installation
          title: (payload.head_commit as { message: string }).message.split('\n')[0],
          author: { name: 'Codertocat', login: 'Codertocat', avatarUrl: 'https://avatars1.githubusercontent.com/u/21031067?v=4' },
          commitUrl: 'https://github.com/Codertocat/Hello-World/commit/6113728f27ae82c7b1a177c8d03f9e96e0adf246',
          compareUrl: null, // a new branch: nothing to compare with
          triggeredBy: 'Codertocat',
        },
      ],
    });
  });

  it('links the commit and the compare view only on the repository\'s own https web URL, and takes the title from the first line', () => {
    const payload = examplePayload('push', (p) => p.ref === 'refs/heads/master');
    Object.assign(payload, { before: '1'.repeat(40), head_commit: { ...(payload.head_commit as object), message: 'Fix <b>it</b>\n\nbody' } });
    expect(parseWebhook('push', payload)).toMatchObject({
      requests: [{ title: 'Fix <b>it</b>', compareUrl: `https://github.com/Codertocat/Hello-World/compare/${'1'.repeat(12)}...6113728f27ae` }],
    });
    for (const html_url of ['javascript:alert(1)//Codertocat/Hello-World', 'http://github.com/Codertocat/Hello-World', 'https://evil.example/other/repo', 'https://u:p@github.com/Codertocat/Hello-World', 42]) {
      Object.assign(payload.repository as object, { html_url });
      expect(parseWebhook('push', payload)).toMatchObject({ requests: [{ commitUrl: null, compareUrl: null }] });
    }
  });

  it('drops credentials from the clone URL', () => {
    const payload = examplePayload('push', (p) => p.ref === 'refs/heads/master');
    Object.assign(payload.repository as object, { clone_url: 'https://x-access-token:ghs_leaked@github.com/Codertocat/Hello-World.git' });
    expect(parseWebhook('push', payload)).toMatchObject({ requests: [{ cloneUrl: 'https://github.com/Codertocat/Hello-World.git' }] });
  });

  it('builds a tag push as a tag event and ignores deletions', () => {
    const created = examplePayload('push', (p) => p.ref === 'refs/tags/simple-tag' && p.deleted === false);
    expect(parseWebhook('push', created)).toMatchObject({ kind: 'build', requests: [{ event: 'tag', ref: 'refs/tags/simple-tag' }] });
    const deleted = examplePayload('push', (p) => p.deleted === true);
    expect(parseWebhook('push', deleted)).toEqual({ kind: 'ignored', reason: 'refs/tags/simple-tag was deleted' });
  });

  it('answers ping and ignores events it does not build', () => {
    expect(parseWebhook('ping', examplePayload('ping'))).toMatchObject({ kind: 'ping' });
    expect(parseWebhook('star', examplePayload('star'))).toEqual({ kind: 'ignored', reason: 'event "star" is not built' });
  });

  it('names the missing field of a malformed push', () => {
    const payload = examplePayload('push', (p) => p.ref === 'refs/heads/master');
    delete (payload.repository as Record<string, unknown>).clone_url;
    expect(() => parseWebhook('push', payload)).toThrow(new DrydockError('invalid_request', 'malformed push payload: repository.clone_url: Invalid input: expected string, received undefined'));
  });
});

describe('parseWebhook: pull requests', () => {
  const sha = (c: string) => c.repeat(40);
  const pr = (overrides: Partial<Parameters<typeof pullRequestPayload>[0]> = {}) =>
    pullRequestPayload({ action: 'opened', number: 7, fullName: 'acme/widget', cloneUrl: 'https://github.com/acme/widget.git', headSha: sha('a'), baseSha: sha('b'), ...overrides });

  it.each(['opened', 'synchronize', 'reopened'] as const)('builds the head of a pull request %s, fetched from the base repository', (action) => {
    expect(parseWebhook('pull_request', pr({ action }))).toEqual({
      kind: 'build',
      requests: [
        {
          repo: 'acme/widget',
          cloneUrl: 'https://github.com/acme/widget.git',
          ref: 'refs/pull/7/head',
          sha: sha('a'),
          event: 'pull_request',
          defaultBranch: 'main',
          pullRequest: 7,
          before: sha('b'),
          installationId: null,
          fork: false,
          commitUrl: `https://github.com/acme/widget/commit/${sha('a')}`,
          compareUrl: null,
          pullRequestUrl: 'https://github.com/acme/widget/pull/7',
          triggeredBy: 'Codertocat',
        },
      ],
    });
  });

  it('marks a head from another repository, or from a deleted one, as a fork', () => {
    expect(parseWebhook('pull_request', pr({ headRepo: 'stranger/widget' }))).toMatchObject({ requests: [{ fork: true, cloneUrl: 'https://github.com/acme/widget.git' }] });
    expect(parseWebhook('pull_request', pr({ headRepo: null }))).toMatchObject({ requests: [{ fork: true }] });
  });

  it('closes on closed and ignores the other actions', () => {
    expect(parseWebhook('pull_request', pr({ action: 'closed' }))).toEqual({ kind: 'close', repo: 'acme/widget', pullRequest: 7 });
    expect(parseWebhook('pull_request', pr({ action: 'labeled' }))).toEqual({ kind: 'ignored', reason: 'pull_request "labeled" is not built' });
  });

  it('names the bad field of a malformed pull request', () => {
    expect(() => parseWebhook('pull_request', pr({ headSha: 'main; rm -rf /' }))).toThrow(/malformed pull_request payload: pull_request.head.sha/);
  });
});

describe('parseWebhook: comments and skip markers', () => {
  it('reads "/drydock approve" on a pull request as an approval by its author, and nothing else', () => {
    expect(parseWebhook('issue_comment', pullRequestCommentPayload('acme/widget', 7, ' /drydock approve\n', 'maintainer'))).toEqual({
      kind: 'approve',
      repo: 'acme/widget',
      pullRequest: 7,
      login: 'maintainer',
      installationId: null,
    });
    expect(parseWebhook('issue_comment', pullRequestCommentPayload('acme/widget', 7, 'LGTM, /drydock approve', 'maintainer'))).toMatchObject({ kind: 'ignored' });
    expect(parseWebhook('issue_comment', examplePayload('issue_comment', (p) => p.action === 'created'))).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('is an issue') });
  });

  it('skips a branch push whose head commit says so, never a tag', () => {
    const payload = examplePayload('push', (p) => p.ref === 'refs/heads/master');
    (payload.head_commit as Record<string, unknown>) = { ...(payload.head_commit as object), message: 'docs: typo\n\n[Skip CI]' };
    expect(parseWebhook('push', payload)).toEqual({ kind: 'skip', marker: '[skip ci]', commit: { repo: 'Codertocat/Hello-World', sha: '6113728f27ae82c7b1a177c8d03f9e96e0adf246', installationId: 1 } });
    const tag = examplePayload('push', (p) => p.ref === 'refs/tags/simple-tag' && p.deleted === false);
    (tag.head_commit as Record<string, unknown>) = { message: 'release [skip ci]' };
    expect(parseWebhook('push', tag)).toMatchObject({ kind: 'build' });
  });

  it.each([
    ['fix [ci skip]', '[ci skip]'],
    ['[no ci] wip', '[no ci]'],
    ['x [skip drydock]', '[skip drydock]'],
    ['skip ci', null],
    ['[skip-ci]', null],
  ])('finds the marker in %j', (message, marker) => {
    expect(skipMarkerOf(message)).toBe(marker);
  });
});

describe('parseWebhook: check runs', () => {
  const sha = 'c'.repeat(40);

  it('reads "Re-run" of one of its own check runs as a rerun of that build', () => {
    expect(parseWebhook('check_run', checkRunRerequestedPayload({ fullName: 'acme/widget', headSha: sha, externalId: '42', name: 'drydock/api', login: 'octo' }))).toEqual({
      kind: 'rerun',
      repo: 'acme/widget',
      sha,
      buildId: 42,
      login: 'octo',
    });
  });

  it('ignores runs that are not Drydock’s, and the other actions', () => {
    expect(parseWebhook('check_run', examplePayload('check_run', (p) => p.action === 'rerequested'))).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('no build id') });
    for (const externalId of ['0', '42; rm -rf /', '1e3', ' 42']) {
      expect(parseWebhook('check_run', checkRunRerequestedPayload({ fullName: 'acme/widget', headSha: sha, externalId }))).toMatchObject({ kind: 'ignored' });
    }
    expect(parseWebhook('check_run', examplePayload('check_run', (p) => p.action === 'created'))).toMatchObject({ kind: 'ignored', reason: 'check_run "created" is not a re-run' });
  });

  it('names the bad field of a malformed check run', () => {
    expect(() => parseWebhook('check_run', checkRunRerequestedPayload({ fullName: 'acme/widget', headSha: 'HEAD', externalId: '42' }))).toThrow(/malformed check_run payload: check_run.head_sha/);
  });
});
