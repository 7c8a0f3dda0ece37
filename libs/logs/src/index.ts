export * from './build-logs.js';
