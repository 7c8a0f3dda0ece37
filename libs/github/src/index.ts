export * from './github-client.js';
