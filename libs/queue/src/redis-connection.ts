import { Redis } from 'ioredis';

/** BullMQ's connection: workers block on Redis, so a slow command must not give up. */
export const bullConnection = (redisUrl: string) => ({ url: redisUrl, maxRetriesPerRequest: null });

/** A plain ioredis client for pub/sub, streams and health checks. */
export const createRedis = (redisUrl: string): Redis => new Redis(redisUrl, { maxRetriesPerRequest: null });
