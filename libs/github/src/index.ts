export * from './build-reporter.js';
export * from './github-client.js';
export * from './github.module.js';
export * from './octokit-github-client.js';
export * from './outbox-delivery.js';
export * from './report-outbox.js';
export * from './webhook-events.js';
