import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FakeGitHubServer } from '@drydock/testing';
import { OctokitAppAuth } from './github-app.js';
import { GitHubRefusal } from './github-client.js';
import { OctokitHookDeliveries, redeliverFailed, type HookDeliveries, type HookDelivery } from './hook-redelivery.js';

const NOT_BEFORE = '2026-03-01T11:00:00Z';

/**
 * The App's delivery list as GitHub keeps it (`newerThan` per its contract, newest first); notes
 * every redelivery asked for, refuses the ids in `refuse`, and fails the listing while `listingFails`.
 */
class ScriptedDeliveries implements HookDeliveries {
  readonly attempts: HookDelivery[] = [];
  readonly redelivered: number[] = [];
  readonly listings: Array<[number | undefined, string]> = [];
  readonly refuse = new Set<number>();
  listingFails = false;

  /** Adds an attempt of event `guid` (ids in the order added); answers it. */
  add(guid: string, statusCode: number, redelivery = false, deliveredAt = '2026-03-01T12:00:00Z'): HookDelivery {
    const attempt = { id: this.attempts.length + 1, guid, deliveredAt, redelivery, statusCode, event: 'push' };
    this.attempts.push(attempt);
    return attempt;
  }

  async newerThan(afterId: number | undefined, notBefore: string): Promise<HookDelivery[]> {
    this.listings.push([afterId, notBefore]);
    if (this.listingFails) throw new GitHubRefusal('unavailable', 'HTTP 502: Bad Gateway', 502);
    return this.attempts
      .filter((d) => (afterId === undefined || d.id > afterId) && Date.parse(d.deliveredAt) >= Date.parse(notBefore))
      .sort((a, b) => b.id - a.id);
  }

  async redeliver(id: number): Promise<void> {
    if (this.refuse.has(id)) throw new GitHubRefusal('rejected', `HTTP 404: delivery ${id} not found`, 404);
    this.redelivered.push(id);
  }
}

describe('redeliverFailed', () => {
  it('asks once for each event none of whose attempts got through: no answer, a 5xx or a 4xx', async () => {
    const deliveries = new ScriptedDeliveries();
    const noAnswer = deliveries.add('g-timeout', 0);
    const serverError = deliveries.add('g-5xx', 503);
    const refused = deliveries.add('g-4xx', 401);
    deliveries.add('g-ok', 202);
    const pass = await redeliverFailed(deliveries, undefined, NOT_BEFORE);
    expect(deliveries.redelivered.sort()).toEqual([noAnswer.id, serverError.id, refused.id].sort());
    expect(pass.asked.map((d) => d.guid).sort()).toEqual(['g-4xx', 'g-5xx', 'g-timeout']);
    expect(pass.refused).toEqual([]);
    expect(deliveries.listings).toEqual([[undefined, NOT_BEFORE]]);
  });

  it('redelivers the newest attempt of an event', async () => {
    const deliveries = new ScriptedDeliveries();
    deliveries.add('g', 500);
    deliveries.add('other', 200);
    const newest = deliveries.add('g', 0);
    const pass = await redeliverFailed(deliveries, undefined, NOT_BEFORE);
    expect(deliveries.redelivered).toEqual([newest.id]);
    expect(pass.asked).toEqual([newest]);
  });

  it('leaves an event alone when one of its attempts got through, or one was a redelivery already', async () => {
    const deliveries = new ScriptedDeliveries();
    deliveries.add('then-ok', 500);
    deliveries.add('then-ok', 200, true);
    deliveries.add('ok-then-failed', 204);
    deliveries.add('ok-then-failed', 500);
    deliveries.add('redelivered-failed', 502);
    deliveries.add('redelivered-failed', 502, true);
    deliveries.add('only-a-redelivery', 0, true);
    const pass = await redeliverFailed(deliveries, undefined, NOT_BEFORE);
    expect(deliveries.redelivered).toEqual([]);
    expect(pass).toEqual({ asked: [], refused: [], lastSeenId: 7 });
  });

  it('answers a redelivery GitHub refused in `refused`, and still asks for the others', async () => {
    const deliveries = new ScriptedDeliveries();
    const first = deliveries.add('a', 500);
    const second = deliveries.add('b', 500);
    const third = deliveries.add('c', 500);
    deliveries.refuse.add(second.id);
    const pass = await redeliverFailed(deliveries, undefined, NOT_BEFORE);
    expect(deliveries.redelivered.sort()).toEqual([first.id, third.id]);
    expect(pass.asked.map((d) => d.id).sort()).toEqual([first.id, third.id]);
    expect(pass.refused).toEqual([{ delivery: second, error: `HTTP 404: delivery ${second.id} not found` }]);
    expect(pass.lastSeenId).toBe(third.id);
  });

  it('starts after the newest attempt the last pass saw, and asks for nothing twice', async () => {
    const deliveries = new ScriptedDeliveries();
    const old = deliveries.add('old', 500);
    const first = await redeliverFailed(deliveries, undefined, NOT_BEFORE);
    expect(first.lastSeenId).toBe(old.id);

    const again = await redeliverFailed(deliveries, first.lastSeenId, NOT_BEFORE);
    expect(again).toEqual({ asked: [], refused: [], lastSeenId: old.id });

    deliveries.add('old', 500, true); // GitHub's redelivery failed too: not asked for again
    const fresh = deliveries.add('new', 0);
    const next = await redeliverFailed(deliveries, again.lastSeenId, NOT_BEFORE);
    expect(next.asked).toEqual([fresh]);
    expect(next.lastSeenId).toBe(fresh.id);
    expect(deliveries.redelivered).toEqual([old.id, fresh.id]);
    expect(deliveries.listings.map(([afterId]) => afterId)).toEqual([undefined, old.id, old.id]);
  });

  it('has no last id while it has seen nothing', async () => {
    const deliveries = new ScriptedDeliveries();
    deliveries.add('too-old', 500, false, '2026-03-01T10:59:59Z');
    expect(await redeliverFailed(deliveries, undefined, NOT_BEFORE)).toEqual({ asked: [], refused: [], lastSeenId: undefined });
    expect(deliveries.redelivered).toEqual([]);
  });

  it('rejects when the deliveries cannot be listed, asking for nothing', async () => {
    const deliveries = new ScriptedDeliveries();
    deliveries.add('g', 500);
    deliveries.listingFails = true;
    await expect(redeliverFailed(deliveries, 3, NOT_BEFORE)).rejects.toMatchObject({ name: 'GitHubRefusal', code: 'unavailable' });
    expect(deliveries.redelivered).toEqual([]);
  });
});

describe('OctokitHookDeliveries (against the local GitHub stand-in)', () => {
  const testApp = FakeGitHubServer.testApp();
  let github: FakeGitHubServer;
  let deliveries: OctokitHookDeliveries;

  beforeAll(async () => {
    github = await new FakeGitHubServer().useApp(testApp).start();
    const app = new OctokitAppAuth({ appId: testApp.appId, privateKey: testApp.privateKey, apiUrl: github.apiUrl });
    deliveries = new OctokitHookDeliveries(github.apiUrl, app, { retryBaseMs: 1 });
  });
  afterAll(() => github?.stop());

  it('lists the attempts newer than an id and not older than a time, newest first, over pages', async () => {
    const ids = Array.from({ length: 130 }, (_, i) => github.recordDelivery({ event: 'push', payload: { n: i }, guid: `g${i}`, statusCode: i % 2 ? 500 : 200 }));
    github.deliveries[0].delivered_at = '2026-01-01T00:00:00Z';
    github.deliveries[1].delivered_at = '2026-01-01T00:00:00Z';

    const all = await deliveries.newerThan(undefined, '2026-02-01T00:00:00Z');
    expect(all.map((d) => d.id)).toEqual(ids.slice(2).reverse());
    expect(all[0]).toEqual({ id: ids[129], guid: 'g129', deliveredAt: expect.any(String), redelivery: false, statusCode: 500, event: 'push' });

    const newer = await deliveries.newerThan(ids[119], '2026-02-01T00:00:00Z');
    expect(newer.map((d) => d.guid)).toEqual(['g129', 'g128', 'g127', 'g126', 'g125', 'g124', 'g123', 'g122', 'g121', 'g120']);
  });

  it('asks GitHub to redeliver an attempt, and rejects as a GitHubRefusal for an unknown one', async () => {
    const id = github.recordDelivery({ event: 'push', payload: {}, guid: 'redo', statusCode: 0 });
    await deliveries.redeliver(id);
    expect(github.redeliveryRequests).toEqual([id]);
    await expect(deliveries.redeliver(999_999)).rejects.toMatchObject({ name: 'GitHubRefusal', code: 'rejected', status: 404 });
  });

  it('rejects a listing GitHub refuses as a GitHubRefusal', async () => {
    github.failWith = 503;
    try {
      await expect(deliveries.newerThan(undefined, '2026-02-01T00:00:00Z')).rejects.toMatchObject({ name: 'GitHubRefusal', code: 'unavailable', status: 503 });
    } finally {
      github.failWith = null;
    }
  });
});
