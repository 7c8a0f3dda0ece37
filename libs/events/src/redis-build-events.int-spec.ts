import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { describeBuildEventsContract, testServices } from '@drydock/testing';
import type { BuildEventMessage } from './build-events.js';
import { RedisBuildEvents } from './redis-build-events.js';

const clients: Redis[] = [];
const client = () => {
  const redis = new Redis(testServices().redisUrl);
  clients.push(redis);
  return redis;
};
/** Each test its own prefix, so parallel runs on the same Redis never hear each other. */
const freshPrefix = () => `drydock-test-${randomBytes(6).toString('hex')}`;
/** As one process would: its own publisher and subscriber connections. */
const eventsOn = (prefix: string) => new RedisBuildEvents(client(), client(), prefix);

afterAll(async () => {
  await Promise.all(clients.map((redis) => redis.quit()));
});

describeBuildEventsContract('RedisBuildEvents', async () => {
  const prefix = freshPrefix();
  return { events: eventsOn(prefix), other: eventsOn(prefix) };
});

describe('RedisBuildEvents on the wire', () => {
  const waitFor = async (seen: BuildEventMessage[], count: number) => {
    const deadline = Date.now() + 3000;
    while (seen.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  };

  it('ignores malformed messages on <prefix>:events', async () => {
    const prefix = freshPrefix();
    const events = eventsOn(prefix);
    const seen: BuildEventMessage[] = [];
    const unsubscribe = await events.subscribe((event) => seen.push(event));
    const raw = client();
    for (const message of ['not json', '{"type":"build.finished","buildId":9}', '{"type":"build.cancel_requested","buildId":"9"}']) {
      expect(await raw.publish(`${prefix}:events`, message)).toBe(1);
    }
    await raw.publish(`${prefix}:events`, JSON.stringify({ type: 'build.cancel_requested', buildId: 9 }));
    await waitFor(seen, 1);
    expect(seen).toEqual([{ type: 'build.cancel_requested', buildId: 9 }]);
    await unsubscribe();
  });

  it('keeps instances with different prefixes apart', async () => {
    const mine = eventsOn(freshPrefix());
    const theirs = eventsOn(freshPrefix());
    const seen: BuildEventMessage[] = [];
    const unsubscribe = await mine.subscribe((event) => seen.push(event));
    await theirs.publish({ type: 'build.cancel_requested', buildId: 1 });
    await mine.publish({ type: 'build.cancel_requested', buildId: 2 });
    await waitFor(seen, 2);
    expect(seen.map((event) => event.buildId)).toEqual([2]);
    await unsubscribe();
  });
});
