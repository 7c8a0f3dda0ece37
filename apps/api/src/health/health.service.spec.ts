import { EventEmitter } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import type { RedisPublisher } from '@drydock/redis';
import { createMemoryBuildStore } from '@drydock/testing';
import { HealthService } from './health.service.js';

/** The publisher as HealthService uses it: ping, status and its error and ready events. */
class FakePublisher extends EventEmitter {
  constructor(
    public status: string,
    readonly ping: () => Promise<string>,
  ) {
    super();
  }
}

describe('HealthService', () => {
  it('says what went wrong with secrets masked', async () => {
    const redis = new FakePublisher('ready', async () => Promise.reject(new Error('cannot reach redis://:hunter22-redis@cache:6379')));
    const { store, close } = await createMemoryBuildStore();
    try {
      const report = await new HealthService(redis as unknown as RedisPublisher, store, { secrets: ['hunter22-redis'] }).check();
      expect(report).toEqual({ status: 'unavailable', redis: 'cannot reach redis://:***@cache:6379', database: 'ok' });
    } finally {
      await close();
    }
  });

  it('names why Redis is not connected, and forgets it once Redis is back', async () => {
    let answer: () => Promise<string> = async () => Promise.reject(new Error('Connection is closed.'));
    const redis = new FakePublisher('reconnecting', () => answer());
    const { store, close } = await createMemoryBuildStore();
    try {
      const health = new HealthService(redis as unknown as RedisPublisher, store, { secrets: [] });
      redis.emit('error', new Error('connect ECONNREFUSED 127.0.0.1:6379'));
      expect(await health.check()).toEqual({
        status: 'unavailable',
        redis: 'Connection is closed., reconnecting: connect ECONNREFUSED 127.0.0.1:6379',
        database: 'ok',
      });
      redis.status = 'ready';
      redis.emit('ready');
      answer = async () => 'PONG';
      expect(await health.check()).toEqual({ status: 'ok', redis: 'ok', database: 'ok' });
    } finally {
      await close();
    }
  });
});
