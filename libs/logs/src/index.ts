export * from './build-logs.js';
export * from './log-archive.js';
export * from './log-text.js';
export { RedisBuildLogs, type RedisBuildLogsDeps, type RedisBuildLogsOptions } from './redis-build-logs.js';
export { RedisLogWriter } from './redis-log-writer.js';
export { LogsModule } from './logs.module.js';
