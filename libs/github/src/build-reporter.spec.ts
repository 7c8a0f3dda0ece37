import { describe, expect, it } from '@jest/globals';
import type { Build } from '@drydock/core';
import { InMemoryReportOutbox } from '@drydock/testing';
import { OutboxReporter } from './build-reporter.js';

const SECRET = 'ghs_secret_token_1234';

const build = { id: 7, repo: 'acme/app', sha: 'a'.repeat(40) } as Build;

describe('OutboxReporter', () => {
  it('stores the update for GitHub, secrets masked, with its context and link', async () => {
    const outbox = new InMemoryReportOutbox();
    const reporter = new OutboxReporter(outbox, 'http://drydock.test', [SECRET]);
    expect(await reporter.report(build, { state: 'error', description: `clone failed: token ${SECRET} refused`, image: 'api' })).toBeUndefined();
    expect(outbox.all()).toEqual([
      expect.objectContaining({
        buildId: 7,
        repo: 'acme/app',
        sha: 'a'.repeat(40),
        context: 'drydock/api',
        state: 'error',
        description: 'clone failed: token *** refused',
        targetUrl: 'http://drydock.test/builds/7',
        outcome: null,
      }),
    ]);
  });

  it('masks secrets in the problem it answers when the outbox refuses', async () => {
    const outbox = new InMemoryReportOutbox();
    outbox.refuseWith = `connection to postgres://drydock:${SECRET}@db refused`;
    const reporter = new OutboxReporter(outbox, 'http://drydock.test', [SECRET]);
    expect(await reporter.report(build, { state: 'pending', description: 'Queued' })).toBe(
      'could not report "pending" to GitHub: connection to postgres://drydock:***@db refused',
    );
  });
});
