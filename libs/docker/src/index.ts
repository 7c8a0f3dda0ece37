export * from './docker-engine.js';
export * from './cli-docker-engine.js';
export * from './docker.module.js';
export * from './engine-requirements.js';
export * from './test-box.js';
export * from './build-engines.js';
export * from './script-build-engines.js';
