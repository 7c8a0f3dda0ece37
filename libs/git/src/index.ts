export * from './git-client.js';
