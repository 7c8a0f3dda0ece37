import { Global, Inject, Module, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@drydock/config';
import { CHECK_RUN_IDS, REPORT_OUTBOX } from '@drydock/github';
import { LOG_ARCHIVE } from '@drydock/logs';
import { BUILD_STORE } from './build-store.js';
import { createDatabase, type Database } from './database.js';
import { KyselyBuildStore } from './kysely-build-store.js';
import { KyselyCheckRunIds } from './kysely-check-run-ids.js';
import { migrateToLatest } from './migrate.js';
import { KyselyLogArchive } from './kysely-log-archive.js';
import { KyselyReportOutbox } from './kysely-report-outbox.js';

/** The database behind BUILD_STORE; exported for health checks (`select 1`). */
export const DATABASE = Symbol('Database');

/**
 * Binds BUILD_STORE to the database named by `AppConfig.databaseUrl`, migrated before
 * anything can use it, and closed when the app shuts down; LOG_ARCHIVE keeps build logs
 * there, REPORT_OUTBOX the GitHub updates waiting to be sent, CHECK_RUN_IDS the App's check runs. Global: api, worker and logs share it.
 */
@Global()
@Module({
  providers: [
    {
      provide: DATABASE,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig): Promise<Database> => {
        const database = createDatabase(config.databaseUrl);
        try {
          await migrateToLatest(database);
        } catch (err) {
          await database.db.destroy();
          throw err;
        }
        return database;
      },
    },
    {
      provide: BUILD_STORE,
      inject: [DATABASE],
      useFactory: (database: Database) => new KyselyBuildStore(database.db),
    },
    { provide: LOG_ARCHIVE, inject: [DATABASE], useFactory: (database: Database) => new KyselyLogArchive(database.db) },
    { provide: REPORT_OUTBOX, inject: [DATABASE], useFactory: (database: Database) => new KyselyReportOutbox(database.db) },
    { provide: CHECK_RUN_IDS, inject: [DATABASE], useFactory: (database: Database) => new KyselyCheckRunIds(database.db) },
  ],
  exports: [BUILD_STORE, DATABASE, LOG_ARCHIVE, REPORT_OUTBOX, CHECK_RUN_IDS],
})
export class StoreModule implements OnModuleDestroy {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  async onModuleDestroy(): Promise<void> {
    await this.database.db.destroy();
  }
}
