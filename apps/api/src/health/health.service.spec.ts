import { describe, expect, it } from '@jest/globals';
import type { RedisPublisher } from '@drydock/redis';
import { createMemoryBuildStore } from '@drydock/testing';
import { HealthService } from './health.service.js';

describe('HealthService', () => {
  it('says what went wrong with secrets masked', async () => {
    const redis = { ping: async () => Promise.reject(new Error('cannot reach redis://:hunter22-redis@cache:6379')) } as unknown as RedisPublisher;
    const { store, close } = await createMemoryBuildStore();
    try {
      const report = await new HealthService(redis, store, { secrets: ['hunter22-redis'] }).check();
      expect(report).toEqual({ status: 'unavailable', redis: 'cannot reach redis://:***@cache:6379', database: 'ok' });
    } finally {
      await close();
    }
  });
});
