import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { testServices } from '@drydock/testing';
import { RedisLease } from './redis-lease.js';

const redis = new Redis(testServices().redisUrl);
const freshKey = () => `drydock-test-${randomBytes(6).toString('hex')}:leader`;

afterAll(async () => {
  await redis.quit();
});

describe('RedisLease', () => {
  it('is held by one instance at a time, and kept by the holder while it renews', async () => {
    const key = freshKey();
    const first = new RedisLease(redis, key, 1000);
    const second = new RedisLease(redis, key, 1000);
    expect(await first.hold()).toBe(true);
    expect(await second.hold()).toBe(false);
    for (let i = 0; i < 4; i++) {
      await sleep(400);
      expect(await first.hold()).toBe(true); // renewed past the first ttl
      expect(await second.hold()).toBe(false);
    }
    await first.release();
  });

  it('passes to another instance when the holder stops renewing, and the old holder cannot take it back or release it', async () => {
    const key = freshKey();
    const stale = new RedisLease(redis, key, 300);
    const next = new RedisLease(redis, key, 5000);
    expect(await stale.hold()).toBe(true);
    await sleep(450);
    expect(await next.hold()).toBe(true);
    expect(await stale.hold()).toBe(false);
    await stale.release();
    expect(await redis.exists(key)).toBe(1);
    await next.release();
    expect(await redis.exists(key)).toBe(0);
  });

  it('is free at once after release', async () => {
    const key = freshKey();
    const first = new RedisLease(redis, key, 60_000);
    expect(await first.hold()).toBe(true);
    await first.release();
    expect(await new RedisLease(redis, key, 60_000).hold()).toBe(true);
    await redis.del(key);
  });
});
