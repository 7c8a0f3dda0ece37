export * from './build-events.js';
export { parseBuildEvent } from './build-event-json.js';
export { RedisBuildEvents } from './redis-build-events.js';
export { EventsModule } from './events.module.js';
