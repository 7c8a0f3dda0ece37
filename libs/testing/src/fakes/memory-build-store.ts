import { createDatabase, KyselyBuildStore, KyselyLogArchive, migrateToLatest } from '@drydock/store';

/** The real store (and the log archive beside it) on a throwaway SQLite `:memory:` database: the unit tier's BuildStore. */
export async function createMemoryBuildStore(): Promise<{ store: KyselyBuildStore; archive: KyselyLogArchive; close(): Promise<void> }> {
  const database = createDatabase('sqlite::memory:');
  await migrateToLatest(database);
  return { store: new KyselyBuildStore(database.db), archive: new KyselyLogArchive(database.db), close: () => database.db.destroy() };
}
