export * from './build.js';
export * from './errors.js';
export * from './urls.js';
