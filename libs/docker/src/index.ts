export * from './docker-engine.js';
