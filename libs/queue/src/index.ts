export * from './build-jobs.js';
export * from './build-queue.js';
export * from './queue.module.js';
