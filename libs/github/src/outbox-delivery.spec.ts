import { beforeEach, describe, expect, it } from '@jest/globals';
import { InMemoryReportOutbox, reportFor } from '@drydock/testing';
import { GitHubRefusal, type CommitStatus, type GitHubClient } from './github-client.js';
import { backoffMs, OutboxDelivery, REJECTED_ATTEMPTS_MAX } from './outbox-delivery.js';

const REPO = 'acme/app';
const SHA = 'c'.repeat(40);

/** A GitHub that takes what it is sent, or refuses the next calls with what `refuseNext` queued. */
class ScriptedGitHub implements GitHubClient {
  readonly taken: Array<CommitStatus & { sha: string }> = [];
  calls = 0;
  private readonly refusals: Error[] = [];
  onCall: () => Promise<void> = async () => undefined;

  refuseNext(count: number, refusal: Error): void {
    for (let i = 0; i < count; i++) this.refusals.push(refusal);
  }

  async setCommitStatus(_repo: string, sha: string, status: CommitStatus): Promise<void> {
    this.calls += 1;
    await this.onCall();
    const refusal = this.refusals.shift();
    if (refusal) throw refusal;
    this.taken.push({ sha, ...status });
  }

  statesOf(sha = SHA, context = 'drydock'): string[] {
    return this.taken.filter((s) => s.sha === sha && s.context === context).map((s) => s.state);
  }
}

describe('OutboxDelivery', () => {
  let now: number;
  let outbox: InMemoryReportOutbox;
  let github: ScriptedGitHub;
  let delivery: OutboxDelivery;
  const after = (ms: number) => (now += ms);

  beforeEach(() => {
    now = Date.parse('2026-03-01T12:00:00.000Z');
    outbox = new InMemoryReportOutbox(() => now);
    github = new ScriptedGitHub();
    delivery = new OutboxDelivery(outbox, github, { now: () => now, random: () => 0.5 });
  });

  it('sends only the newest update of a commit and context, and marks the older ones superseded', async () => {
    await outbox.add(reportFor(REPO, { description: 'Queued' }));
    await outbox.add(reportFor(REPO, { description: 'Build running' }));
    await outbox.add(reportFor(REPO, { context: 'drydock/api', description: 'Build running' }));
    await outbox.add(reportFor(REPO, { state: 'success', description: 'Pushed' }));

    expect(await delivery.deliverDue()).toEqual({ delivered: 2, retried: 0, abandoned: 0 });
    expect(github.taken.map((s) => [s.context, s.state, s.description])).toEqual([
      ['drydock/api', 'pending', 'Build running'],
      ['drydock', 'success', 'Pushed'],
    ]);
    expect(outbox.all().map((e) => e.outcome)).toEqual(['superseded', 'superseded', 'delivered', 'delivered']);
  });

  it('keeps the order of a commit and context: an update stored during a send follows it, and nothing older comes after', async () => {
    await outbox.add(reportFor(REPO, { description: 'Queued' }));
    github.onCall = async () => {
      github.onCall = async () => undefined;
      await outbox.add(reportFor(REPO, { state: 'failure', description: 'Test failed' }));
    };
    await delivery.deliverDue();
    await delivery.deliverDue();
    expect(github.statesOf()).toEqual(['pending', 'failure']);
    await delivery.deliverDue();
    expect(github.calls).toBe(2);
  });

  it('never sends a pending after the final state, however the attempts fail', async () => {
    await outbox.add(reportFor(REPO, { description: 'Queued' }));
    github.refuseNext(1, new GitHubRefusal('unavailable', 'HTTP 502: Bad Gateway', 502));
    await delivery.deliverDue();
    await outbox.add(reportFor(REPO, { description: 'Build running' }));
    await outbox.add(reportFor(REPO, { state: 'success', description: 'Pushed' }));
    for (let i = 0; i < 5; i++) {
      after(60_000);
      await delivery.deliverDue();
    }
    expect(github.statesOf()).toEqual(['success']);
    expect(outbox.all().filter((e) => e.context === 'drydock').map((e) => e.outcome)).toEqual(['superseded', 'superseded', 'delivered']);
  });

  it('backs off from a failure with jitter, recording attempts and the error, and sends once due', async () => {
    const entry = await outbox.add(reportFor(REPO));
    github.refuseNext(2, new GitHubRefusal('unavailable', 'GitHub did not answer: socket hang up'));

    expect(await delivery.deliverDue()).toEqual({ delivered: 0, retried: 1, abandoned: 0 });
    expect(outbox.all()[0]).toMatchObject({ attempts: 1, lastError: 'GitHub did not answer: socket hang up', nextAttemptAt: new Date(now + 2000).toISOString() });
    after(1999);
    await delivery.deliverDue();
    expect(github.calls).toBe(1);
    after(1);
    await delivery.deliverDue();
    expect(outbox.all()[0]).toMatchObject({ attempts: 2, nextAttemptAt: new Date(now + 4000).toISOString() });
    after(4000);
    await delivery.deliverDue();
    expect(github.statesOf()).toEqual(['pending']);
    expect(outbox.all()[0]).toMatchObject({ sequence: entry.sequence, outcome: 'delivered', attempts: 3, deliveredAt: new Date(now).toISOString() });
  });

  it('doubles the backoff from 2 s up to 5 min, spread by ±25 %', () => {
    expect([1, 2, 3, 4, 9, 30].map((n) => backoffMs(n, () => 0.5))).toEqual([2000, 4000, 8000, 16000, 300_000, 300_000]);
    expect(backoffMs(1, () => 0)).toBe(1500);
    expect(backoffMs(1, () => 0.999999)).toBe(2500);
  });

  it(`gives up an update GitHub rejects (422) at ${REJECTED_ATTEMPTS_MAX} attempts, and sends the others`, async () => {
    await outbox.add(reportFor(REPO, { sha: 'd'.repeat(40) }));
    github.refuseNext(REJECTED_ATTEMPTS_MAX, new GitHubRefusal('rejected', 'HTTP 422: No commit found for SHA', 422));
    for (let i = 0; i < 10; i++) {
      await delivery.deliverDue();
      after(10 * 60_000);
    }
    expect(github.calls).toBe(REJECTED_ATTEMPTS_MAX);
    expect(outbox.all()[0]).toMatchObject({ outcome: 'abandoned', attempts: REJECTED_ATTEMPTS_MAX, lastError: 'HTTP 422: No commit found for SHA' });

    await outbox.add(reportFor(REPO));
    await delivery.deliverDue();
    expect(github.statesOf()).toEqual(['pending']);
  });

  it('never gives up on a 403 or 429 that is not a rate limit, nor on an outage', async () => {
    await outbox.add(reportFor(REPO));
    github.refuseNext(3, new GitHubRefusal('unavailable', 'HTTP 403: Forbidden', 403));
    github.refuseNext(3, new GitHubRefusal('unavailable', 'HTTP 500: Server Error', 500));
    for (let i = 0; i < 7; i++) {
      await delivery.deliverDue();
      after(10 * 60_000);
    }
    expect(github.statesOf()).toEqual(['pending']);
    expect(outbox.all()[0]).toMatchObject({ outcome: 'delivered', attempts: 7 });
  });

  it('holds every update until the time GitHub named when the rate limit is spent', async () => {
    await outbox.add(reportFor(REPO, { sha: 'a'.repeat(40) }));
    await outbox.add(reportFor(REPO, { sha: 'b'.repeat(40) }));
    const retryAt = now + 30_000;
    github.refuseNext(1, new GitHubRefusal('rate_limited', 'HTTP 403: API rate limit exceeded', 403, retryAt));

    expect(await delivery.deliverDue()).toEqual({ delivered: 0, retried: 1, abandoned: 0 });
    expect(outbox.all()[0]).toMatchObject({ attempts: 1, nextAttemptAt: new Date(retryAt).toISOString() });
    after(29_000);
    await delivery.deliverDue();
    expect(github.calls).toBe(1);
    after(1000);
    expect(await delivery.deliverDue()).toEqual({ delivered: 2, retried: 0, abandoned: 0 });
    expect(github.taken.map((s) => s.sha)).toEqual(['a'.repeat(40), 'b'.repeat(40)]);
  });

  it('stops a round when told to (the lease is lost) and never throws, whatever fails', async () => {
    await outbox.add(reportFor(REPO));
    expect(await delivery.deliverDue(async () => false)).toEqual({ delivered: 0, retried: 0, abandoned: 0 });
    await expect(delivery.deliverDue(async () => Promise.reject(new Error('redis is down')))).resolves.toEqual({ delivered: 0, retried: 0, abandoned: 0 });

    github.refuseNext(1, new Error('not a GitHubRefusal'));
    expect(await delivery.deliverDue()).toEqual({ delivered: 0, retried: 1, abandoned: 0 });

    outbox.refuseWith = 'database is down';
    after(60_000);
    await expect(delivery.deliverDue()).resolves.toEqual({ delivered: 0, retried: 0, abandoned: 0 });
    outbox.refuseWith = null;
    expect(await delivery.deliverDue()).toEqual({ delivered: 1, retried: 0, abandoned: 0 });
  });
});
