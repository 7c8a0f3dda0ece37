export * from './build.js';
export * from './errors.js';
export * from './outcome-policy.js';
export * from './repo-name.js';
export * from './urls.js';
export * from './secret-mask.js';
export * from './repo-globs.js';
