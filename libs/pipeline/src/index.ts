export * from './drydock-config.js';
export { DRYDOCK_SCHEMA_FILE, drydockJsonSchema, drydockJsonSchemaText } from './config-schema.js';
export * from './image-plan.js';
export * from './image-tags.js';
export * from './pipeline-deps.js';
export * from './run-build.js';
export { RepoBusy, runWorkDir, type RunControl } from './run-ownership.js';
