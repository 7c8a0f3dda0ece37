export * from './build-store.js';
export { createDatabase, type Database, type DialectName } from './database.js';
export { KyselyBuildStore } from './kysely-build-store.js';
export { KyselyCheckRunIds } from './kysely-check-run-ids.js';
export { KyselyLogArchive } from './kysely-log-archive.js';
export { KyselyReportOutbox } from './kysely-report-outbox.js';
export { migrateToLatest } from './migrate.js';
export { DATABASE, StoreModule } from './store.module.js';
