export * from './git-client.js';
export * from './simple-git-client.js';
export * from './git.module.js';
export { commitFactsOf } from './commit-facts.js';
export { displayUrl, githubGitHost, mayReceiveToken, mirrorDirFor } from './repo-url.js';
export { pruneMirrors } from './mirror-retention.js';
