import { createDatabase, KyselyBuildStore, migrateToLatest } from '@drydock/store';

/** The real store on a throwaway SQLite `:memory:` database: the unit tier's BuildStore. */
export async function createMemoryBuildStore(): Promise<{ store: KyselyBuildStore; close(): Promise<void> }> {
  const database = createDatabase('sqlite::memory:');
  await migrateToLatest(database);
  return { store: new KyselyBuildStore(database.db), close: () => database.db.destroy() };
}
