export * from './build-events.js';
