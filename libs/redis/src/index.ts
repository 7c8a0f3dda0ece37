export * from './redis-connections.js';
export { RedisModule } from './redis.module.js';
export { RedisLease } from './redis-lease.js';
