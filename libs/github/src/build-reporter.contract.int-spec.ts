import { describeBuildReporterContract, FakeGitHubServer, InMemoryReportOutbox } from '@drydock/testing';
import { OutboxReporter } from './build-reporter.js';
import { OctokitGitHubClient } from './octokit-github-client.js';
import { OutboxDelivery } from './outbox-delivery.js';

describeBuildReporterContract('OutboxReporter, delivered to a local GitHub stand-in', async () => {
  const github = await new FakeGitHubServer().start();
  const outbox = new InMemoryReportOutbox();
  const delivery = new OutboxDelivery(outbox, new OctokitGitHubClient(github.url, 'test-token'));
  return {
    reporter: new OutboxReporter(outbox, 'http://drydock.test'),
    received: async () => {
      await delivery.deliverDue();
      return github.statuses.map(({ sha, context, state, description }) => ({ sha, context, state, description }));
    },
    refuse: () => {
      outbox.refuseWith = 'database is down';
    },
    close: () => github.stop(),
  };
});
