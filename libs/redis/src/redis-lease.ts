import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

// Extend or delete the key only while it still holds our token: a lease another process took
// over after ours expired is never touched.
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * A named lease in Redis held by at most one process at a time (`SET key token NX PX ttl`):
 * the leader of a periodic job (the reconciler, the GitHub report outbox).
 *
 * `hold()` takes the lease if it is free, or extends it if this instance holds it; it answers
 * whether this instance holds it now. Call it at least once per `ttlMs` (each tick of the job):
 * a holder that stops calling (killed, frozen, cut off from Redis) loses the lease after
 * `ttlMs` and another process takes it. Redis errors reject; the caller counts that as "not
 * the leader". `release()` gives it up at once (shutdown); it never throws.
 */
export class RedisLease {
  private readonly token = randomUUID();

  constructor(
    private readonly redis: Redis,
    readonly key: string,
    private readonly ttlMs: number,
  ) {}

  async hold(): Promise<boolean> {
    const taken = await this.redis.set(this.key, this.token, 'PX', this.ttlMs, 'NX');
    if (taken === 'OK') return true;
    return (await this.redis.eval(EXTEND, 1, this.key, this.token, String(this.ttlMs))) === 1;
  }

  async release(): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key, this.token).catch(() => undefined);
  }
}
