export * from './build.js';
export * from './errors.js';
