import type { ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';

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
