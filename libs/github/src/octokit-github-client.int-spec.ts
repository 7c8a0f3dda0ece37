import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { FakeGitHubServer, InMemoryReportOutbox, reportFor } from '@drydock/testing';
import { GitHubRefusal, type CommitStatus } from './github-client.js';
import { OctokitGitHubClient } from './octokit-github-client.js';
import { OutboxDelivery } from './outbox-delivery.js';

const SHA = 'c'.repeat(40);
const STATUS: CommitStatus = { state: 'success', context: 'drydock', description: 'Pushed', targetUrl: 'http://drydock.test/builds/1' };

let github: FakeGitHubServer;
let client: OctokitGitHubClient;
beforeAll(async () => {
  github = await new FakeGitHubServer().start();
});
afterAll(() => github?.stop());
afterEach(() => {
  github.statuses.length = 0;
  github.calls.length = 0;
});

const fresh = () => (client = new OctokitGitHubClient(github.url, 'test-token', { retryBaseMs: 50 }));
const refusalOf = (promise: Promise<unknown>) => promise.then(() => undefined, (err: unknown) => err);

describe('OctokitGitHubClient with the retry and throttling plugins, against a GitHub stand-in', () => {
  it('posts the commit status with the token', async () => {
    await fresh().setCommitStatus('acme/app', SHA, STATUS);
    expect(github.statuses).toEqual([
      expect.objectContaining({ repo: 'acme/app', sha: SHA, state: 'success', context: 'drydock', description: 'Pushed', authorization: 'token test-token' }),
    ]);
  });

  it('retries a 5xx twice within the call, then refuses as unavailable', async () => {
    github.failNext(2);
    await fresh().setCommitStatus('acme/app', SHA, STATUS);
    expect(github.calls.map((c) => c.answer)).toEqual([500, 500, 201]);

    github.failNext(3, { status: 502, message: 'Bad Gateway' });
    const refusal = await refusalOf(client.setCommitStatus('acme/app', SHA, STATUS));
    expect(refusal).toBeInstanceOf(GitHubRefusal);
    expect(refusal).toMatchObject({ code: 'unavailable', status: 502, message: 'HTTP 502: Bad Gateway' });
  });

  it('refuses a 422 at once as rejected', async () => {
    github.failNext(1, { status: 422, message: 'No commit found for SHA' });
    expect(await refusalOf(fresh().setCommitStatus('acme/app', SHA, STATUS))).toMatchObject({ code: 'rejected', status: 422 });
    expect(github.calls).toHaveLength(1);
  });

  it('waits out a rate limit that resets within seconds, and the status arrives after the reset', async () => {
    const resetAt = github.rateLimitFor(500);
    await fresh().setCommitStatus('acme/app', SHA, STATUS);
    expect(github.calls.map((c) => c.answer)).toEqual([403, 201]);
    expect(github.statuses[0].receivedAt).toBeGreaterThanOrEqual(resetAt);
  });

  it('hands a long rate limit back at once, saying when GitHub resets it', async () => {
    const started = Date.now();
    const resetAt = github.rateLimitFor(60_000);
    const refusal = await refusalOf(fresh().setCommitStatus('acme/app', SHA, STATUS));
    github.rateLimitFor(-60_000);
    expect(refusal).toMatchObject({ code: 'rate_limited', status: 403, retryAt: resetAt + 1000 });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('waits out a short secondary rate limit (retry-after) within the call', async () => {
    github.failNext(1, { status: 403, message: 'You have exceeded a secondary rate limit', headers: { 'retry-after': '1' } });
    await fresh().setCommitStatus('acme/app', SHA, STATUS);
    expect(github.calls.map((c) => c.answer)).toEqual([403, 201]);
    expect(github.calls[1].at - github.calls[0].at).toBeGreaterThanOrEqual(1000);
  });
});

describe('OutboxDelivery through the octokit client', () => {
  it('delivers an update through an outage longer than the client retries, on a later round', async () => {
    const outbox = new InMemoryReportOutbox();
    const delivery = new OutboxDelivery(outbox, fresh());
    await outbox.add(reportFor('acme/app', { sha: SHA, state: 'success', description: 'Pushed' }));
    github.failNext(5);
    const deadline = Date.now() + 20_000;
    while (github.statuses.length === 0 && Date.now() < deadline) {
      await delivery.deliverDue();
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(github.statuses.map((s) => s.state)).toEqual(['success']);
    expect(outbox.all()[0]).toMatchObject({ outcome: 'delivered', attempts: 2, lastError: 'HTTP 500: Server Error' });
  });

  it('delivers after a long rate limit once GitHub\'s reset time has passed', async () => {
    const outbox = new InMemoryReportOutbox();
    const delivery = new OutboxDelivery(outbox, fresh());
    await outbox.add(reportFor('acme/app', { sha: SHA }));
    const resetAt = github.rateLimitFor(4000);
    const deadline = Date.now() + 20_000;
    while (github.statuses.length === 0 && Date.now() < deadline) {
      await delivery.deliverDue();
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(github.statuses[0].receivedAt).toBeGreaterThanOrEqual(resetAt);
    expect(github.calls.filter((c) => c.answer === 403)).toHaveLength(1);
  });
});
