export * from './build-store.js';
