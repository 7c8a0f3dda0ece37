import { setTimeout as sleep } from 'node:timers/promises';
import type { ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { DrydockError } from '@drydock/core';

/**
 * The Redis connections of one Drydock process, all made and closed by RedisModule.
 * - queue: BullMQ's connection options; BullMQ opens (and closes) its own clients from them
 * - publisher: PUBLISH and other short commands (health pings)
 * - subscriber: in subscriber mode for good (pub/sub), so it runs nothing else
 * - streams: XADD/XRANGE of the build logs; a blocking XREAD takes a `duplicate()` of it,
 *   which its user disconnects
 * Every key and channel starts with the instance's prefix (AppConfig.redisPrefix).
 */
export type QueueConnection = ConnectionOptions;
export const QUEUE_CONNECTION = Symbol('QueueConnection');

export type RedisPublisher = Redis;
export const REDIS_PUBLISHER = Symbol('RedisPublisher');

export type RedisSubscriber = Redis;
export const REDIS_SUBSCRIBER = Symbol('RedisSubscriber');

export type RedisStreams = Redis;
export const REDIS_STREAMS = Symbol('RedisStreams');

/** `drydock` by default; BullMQ's `prefix`, and `<prefix>:` starts every stream key and channel. */
export type RedisPrefix = string;
export const REDIS_PREFIX = Symbol('RedisPrefix');

/** `redisKey('drydock', 'log', 42)` -> `drydock:log:42` */
export const redisKey = (prefix: RedisPrefix, ...parts: Array<string | number>): string => [prefix, ...parts].join(':');

/** `redis://:secret@cache:6379/0` -> `cache:6379`: where Redis is, for log lines (never the password). */
export function redisAddress(redisUrl: string): string {
  try {
    const url = new URL(redisUrl);
    return `${url.hostname || '127.0.0.1'}:${url.port || '6379'}`;
  } catch {
    return 'Redis';
  }
}

const PROBLEMS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found (yet)',
};

/** "connection refused" for ECONNREFUSED and the like; otherwise the error's message. */
export function redisProblem(err: unknown): string {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  return PROBLEMS[code] ?? (err instanceof Error ? err.message : String(err));
}

/** Anything that emits Redis trouble as `error` events: an ioredis client, a BullMQ Queue or Worker. */
export interface RedisErrorSource {
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/**
 * Logs `source`'s errors as warnings, "Redis at cache:6379 (queue): connection refused",
 * a problem once until another one comes or a minute has passed (a client reconnecting every
 * few seconds would repeat itself). Listening also keeps BullMQ from printing each error
 * with its stack to stderr, which it does when an `error` event has no listener.
 */
export function logRedisErrors(source: RedisErrorSource, name: string, redisUrl: string, warn: (line: string) => void): void {
  let last = '';
  let loggedAt = 0;
  source.on('error', (err: Error) => {
    const line = `Redis at ${redisAddress(redisUrl)} (${name}): ${redisProblem(err)}`;
    if (line === last && Date.now() - loggedAt < 60_000) return;
    warn(line);
    last = line;
    loggedAt = Date.now();
  });
}

export interface WaitForRedisOptions {
  /** Told each failed attempt ("waiting for Redis at cache:6379: connection refused, retrying in 2s"). */
  log?: (line: string) => void;
  /** Pauses between attempts in ms; the last repeats for good. Default 0.5 s doubling to 5 s. */
  delaysMs?: number[];
}

/**
 * Resolves once Redis at `redisUrl` answers PING, asking again with backoff for as long as
 * it takes while it refuses, is unreachable or is still loading; a refused login (NOAUTH,
 * WRONGPASS) rejects at once, since waiting would not fix it. Each attempt is a new
 * connection, closed after it.
 */
export async function waitForRedis(redisUrl: string, { log = () => undefined, delaysMs = [500, 1000, 2000, 4000, 5000] }: WaitForRedisOptions = {}): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const probe = new Redis(redisUrl, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 5000 });
    let cause: unknown; // connect() rejects with "Connection is closed."; the error event says why
    probe.on('error', (err: Error) => (cause ??= err));
    try {
      await probe.connect();
      await probe.ping();
      if (attempt > 0) log(`Redis at ${redisAddress(redisUrl)} answers`);
      return;
    } catch (rejection) {
      const err = cause ?? rejection;
      if (/NOAUTH|WRONGPASS|invalid password/i.test(String(err))) {
        throw new DrydockError('infrastructure', `Redis at ${redisAddress(redisUrl)} refused the login: ${redisProblem(err)}`, { cause: err });
      }
      const delay = delaysMs[Math.min(attempt, delaysMs.length - 1)];
      log(`waiting for Redis at ${redisAddress(redisUrl)}: ${redisProblem(err)}, retrying in ${Number((delay / 1000).toFixed(1))}s`);
      await sleep(delay);
    } finally {
      probe.disconnect();
    }
  }
}
