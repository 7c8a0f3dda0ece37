import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startE2eWorld, waitForBuild, type E2eWorld } from '@drydock/testing';

let world: E2eWorld;
beforeAll(async () => {
  world = await startE2eWorld();
});
afterAll(() => world?.stop());

describe('output that never ends a line', () => {
  it('cuts a 1.5 GB single-line output in the log, and the worker serves the next build', async () => {
    const flood = "head -c 1500000000 /dev/zero | tr '\\\\0' x; echo; echo after-the-long-line";
    const repo = await world.repo({ Dockerfile: 'FROM busybox:latest\n', '.drydock.yml': `images:\n  - test: "${flood}"\n` }, 'flood');
    const flooded = await waitForBuild(world.drydock.url, await world.push(repo), { timeoutMs: 180_000 });
    expect(flooded.status).toBe('success');
    const log = await (await world.drydock.api(`/api/builds/${flooded.id}/logs`)).text();
    expect(log).toContain('[line cut at 64 KiB]');
    expect(log).toContain('after-the-long-line');
    expect(log.length).toBeLessThan(6 * 1024 * 1024);

    const next = await world.repo({ Dockerfile: 'FROM busybox:latest\n' }, 'after-flood');
    expect((await waitForBuild(world.drydock.url, await world.push(next))).status).toBe('success');
  });
});

describe('live log streams', () => {
  it('answers 429 to a reader past the cap, and serves readers again once some leave', async () => {
    const repo = await world.repo({ Dockerfile: 'FROM busybox:latest\n', '.drydock.yml': 'images:\n  - test: "sleep 60"\n' }, 'streams');
    const id = await world.push(repo);
    await waitForBuild(world.drydock.url, id, { until: (b) => b.steps.some((s) => s.name === 'test' && s.status === 'running') });
    const readers = Array.from({ length: 100 }, () => new AbortController());
    const follow = (signal?: AbortSignal) => world.drydock.api(`/api/builds/${id}/logs`, { headers: { accept: 'text/event-stream' }, signal });
    const open = await Promise.all(readers.map((reader) => follow(reader.signal)));
    expect(open.map((res) => res.status)).toEqual(readers.map(() => 200));

    const refused = await follow();
    expect(refused.status).toBe(429);
    expect(await refused.text()).toMatch(/too many live log streams/);

    for (const reader of readers.slice(0, 10)) reader.abort();
    let again = await follow(AbortSignal.timeout(5000));
    for (let i = 0; i < 50 && again.status === 429; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      again = await follow(AbortSignal.timeout(5000));
    }
    expect(again.status).toBe(200);
    for (const reader of readers) reader.abort();
    await world.drydock.api(`/api/builds/${id}/cancel`, { method: 'POST' });
  });
});
