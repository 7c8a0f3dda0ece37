export * from './build-logs.js';
export { RedisBuildLogs, type RedisBuildLogsOptions } from './redis-build-logs.js';
export { RedisLogWriter } from './redis-log-writer.js';
export { LogsModule } from './logs.module.js';
