import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startE2eWorld, waitForBuild, type E2eWorld, type ReceivedStatus, type RepoFiles } from '@drydock/testing';
import { sqliteWithUnusedBuildIds } from './build-probes.js';

/**
 * GitHub down, then rate-limited, while builds run: the report outbox gets every commit its
 * final status, in order per commit and context, and never a `pending` after it.
 */
let world: E2eWorld;
beforeAll(async () => {
  world = await startE2eWorld({ env: { DATABASE_URL: await sqliteWithUnusedBuildIds() } }); // its builds' labels on the shared engine are its own
});
afterAll(() => world?.stop());

const PASSES: RepoFiles = { Dockerfile: 'FROM busybox:latest\nRUN echo ok > /ok\n', '.drydock.yml': 'images:\n  - test: "test -f /ok"\n' };
const FAILS: RepoFiles = { Dockerfile: 'FROM busybox:latest\n', '.drydock.yml': 'images:\n  - test: "exit 3"\n' };
const twoImages = (suffix: string): RepoFiles => ({
  'api/Dockerfile': 'FROM busybox:latest\nRUN echo api > /role\n',
  'web/Dockerfile': 'FROM busybox:latest\nRUN echo web > /role\n',
  '.drydock.yml': `images:\n  - { name: api-${suffix}, context: api }\n  - { name: web-${suffix}, context: web }\n`,
});

describe('GitHub failing, then rate-limited, while builds run', () => {
  it('still gets every commit its final status, in order, with no pending after it', async () => {
    const { github } = world;
    // Every call fails at first (more than the client's own retries), then the token's limit is spent for ~5 s.
    github.failNext(5).rateLimitNext(5000);

    const suffix = randomUUID().slice(0, 8);
    const passing = await world.repo(PASSES, 'outage-pass');
    const failing = await world.repo(FAILS, 'outage-fail');
    const multi = await world.repo(twoImages(suffix), 'outage-multi');
    const pushed = [
      { sha: passing.sha, id: await world.push(passing), final: 'success', contexts: ['drydock'] },
      { sha: failing.sha, id: await world.push(failing), final: 'failure', contexts: ['drydock'] },
      { sha: multi.sha, id: await world.push(multi), final: 'success', contexts: ['drydock', `drydock/api-${suffix}`, `drydock/web-${suffix}`] },
    ];
    const first = await waitForBuild(world.drydock.url, pushed[0].id);
    expect(first.status).toBe('success');
    const second = await passing.commit({ 'notes.txt': 'second commit' });
    pushed.push({ sha: second, id: await world.push(passing, { sha: second }), final: 'success', contexts: ['drydock'] });

    for (const { id, final } of pushed) expect((await waitForBuild(world.drydock.url, id)).status).toBe(final);
    for (const { sha, final, contexts } of pushed) {
      for (const context of contexts) await github.waitForStatus(sha, final, context, 90_000);
    }
    await quiet(() => github.calls.length, 4000);

    // The outage and the rate limit did happen, and nothing got through the limit before its reset.
    expect(github.calls.slice(0, 5).map((c) => c.answer)).toEqual([500, 500, 500, 500, 500]);
    const limited = github.calls.filter((c) => c.answer === 403);
    expect(limited.length).toBeGreaterThanOrEqual(1);
    const resetAt = Math.ceil((limited[0].at + 5000) / 1000) * 1000;
    expect(github.statuses.filter((s) => s.receivedAt >= limited[0].at).every((s) => s.receivedAt >= resetAt - 1000)).toBe(true);

    for (const { sha, id, final, contexts } of pushed) {
      for (const context of contexts) {
        const received = github.statusesFor(sha, context);
        expect({ sha, context, states: received.map((s) => s.state) }).toEqual({ sha, context, states: [...received.slice(0, -1).map(() => 'pending'), final] });
        expectInOrder(received);
        for (const status of received) expect(status.target_url).toBe(`${world.drydock.env.DRYDOCK_PUBLIC_URL}/builds/${id}`);
      }
    }
  });
});

/** `Queued` (API) comes before `Build running` (worker) whenever both got through. */
function expectInOrder(received: ReceivedStatus[]): void {
  const descriptions = received.map((s) => s.description);
  const queued = descriptions.indexOf('Queued');
  const running = descriptions.indexOf('Build running');
  if (queued >= 0 && running >= 0) expect(queued).toBeLessThan(running);
}

/** Waits until `count()` has not changed for `ms` (nothing more arrives), polling. */
async function quiet(count: () => number, ms: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = count();
  let since = Date.now();
  while (Date.now() - since < ms) {
    if (Date.now() > deadline) throw new Error(`still changing after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
    if (count() !== last) [last, since] = [count(), Date.now()];
  }
}
