export * from './build-waiter.js';
export * from './drydock-stack.js';
export * from './fake-github-server.js';
export * from './github-webhooks.js';
export * from './registry-client.js';
export * from './git-http-server.js';
export * from './temp-repo.js';
export * from './test-services.js';
