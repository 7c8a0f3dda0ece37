import { describeBuildReporterContract, FakeGitHubServer } from '@drydock/testing';
import { CommitStatusReporter } from './build-reporter.js';
import { OctokitGitHubClient } from './octokit-github-client.js';

describeBuildReporterContract('CommitStatusReporter against a local GitHub stand-in', async () => {
  const github = await new FakeGitHubServer().start();
  return {
    reporter: new CommitStatusReporter(new OctokitGitHubClient(github.url, 'test-token'), 'http://drydock.test'),
    received: () => github.statuses.map(({ sha, context, state, description }) => ({ sha, context, state, description })),
    refuse: () => {
      github.failWith = 503;
    },
    close: () => github.stop(),
  };
});
