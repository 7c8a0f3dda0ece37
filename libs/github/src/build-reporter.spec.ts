import { describe, expect, it } from '@jest/globals';
import type { Build } from '@drydock/core';
import { CommitStatusReporter } from './build-reporter.js';
import type { CommitStatus, GitHubClient } from './github-client.js';

const SECRET = 'ghs_secret_token_1234';

const build = { id: 7, repo: 'acme/app', sha: 'a'.repeat(40) } as Build;

describe('CommitStatusReporter', () => {
  it('masks secrets in the description GitHub gets and in the problem it answers', async () => {
    const sent: CommitStatus[] = [];
    const github: GitHubClient = {
      setCommitStatus: async (_repo, _sha, status) => {
        sent.push(status);
        throw new Error(`refused ${status.description}`);
      },
    };
    const reporter = new CommitStatusReporter(github, 'http://drydock.test', [SECRET]);
    const problem = await reporter.report(build, { state: 'error', description: `clone failed: token ${SECRET} refused` });
    expect(sent).toEqual([{ state: 'error', context: 'drydock', description: 'clone failed: token *** refused', targetUrl: 'http://drydock.test/builds/7' }]);
    expect(problem).toBe('could not report "error" to GitHub: refused clone failed: token *** refused');
  });
});
