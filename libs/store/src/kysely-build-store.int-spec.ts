import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { CompiledQuery, Migrator, sql } from 'kysely';
import pg from 'pg';
import { ConfigModule, loadConfig } from '@drydock/config';
import { DrydockError } from '@drydock/core';
import { buildRequestFor, describeBuildStoreContract, testServices } from '@drydock/testing';
import { BUILD_STORE, type BuildStore } from './build-store.js';
import { createDatabase, type Database } from './database.js';
import { KyselyBuildStore } from './kysely-build-store.js';
import { KyselyLogArchive } from './kysely-log-archive.js';
import { listQuery } from './list-query.js';
import { InCodeMigrationProvider, migrateToLatest } from './migrate.js';
import { StoreModule } from './store.module.js';

/** A migrated, empty database of one dialect, and how to throw it away. */
interface TestDatabase {
  database: Database;
  drop(): Promise<void>;
}

async function sqliteDatabase(): Promise<TestDatabase> {
  const dir = mkdtempSync(path.join(tmpdir(), 'drydock-store-'));
  const database = createDatabase(`sqlite:${path.join(dir, 'nested', 'drydock.db')}`);
  await migrateToLatest(database);
  return {
    database,
    drop: async () => {
      await database.db.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh database on the harness's PostgreSQL server; fails when the harness gives no URL. */
async function postgresDatabase(): Promise<TestDatabase> {
  const serverUrl = testServices().postgresUrl;
  if (!serverUrl) throw new Error('testServices().postgresUrl is missing: the PostgreSQL suite cannot run');
  const name = `drydock_store_${randomBytes(6).toString('hex')}`;
  await withAdmin(serverUrl, (admin) => admin.query(`create database ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = createDatabase(url.toString());
  await migrateToLatest(database);
  return {
    database,
    drop: async () => {
      await database.db.destroy();
      await withAdmin(serverUrl, (admin) => admin.query(`drop database ${name} with (force)`));
    },
  };
}

async function withAdmin(serverUrl: string, run: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await run(client);
  } finally {
    await client.end();
  }
}

const dialects = [
  { dialect: 'sqlite', open: sqliteDatabase },
  { dialect: 'postgres', open: postgresDatabase },
];

for (const { dialect, open } of dialects) {
  describeBuildStoreContract(`KyselyBuildStore on ${dialect}`, async () => {
    const testDb = await open();
    return { store: new KyselyBuildStore(testDb.database.db), archive: new KyselyLogArchive(testDb.database.db), close: () => testDb.drop() };
  });
}

describe.each(dialects)('KyselyBuildStore on $dialect', ({ open }) => {
  let testDb: TestDatabase;
  let store: KyselyBuildStore;

  beforeAll(async () => {
    testDb = await open();
    store = new KyselyBuildStore(testDb.database.db);
  });
  afterAll(async () => {
    await testDb?.drop();
  });

  it('migrates idempotently', async () => {
    await expect(migrateToLatest(testDb.database)).resolves.toBeUndefined();
  });

  it('adds builds.fork to a database that had builds before it: those were not forks', async () => {
    const fresh = await open();
    try {
      const { db, dialect } = fresh.database;
      const migrator = new Migrator({ db, provider: new InCodeMigrationProvider(dialect) });
      const down = await migrator.migrateTo('0001-create-builds');
      expect(down.error).toBeUndefined();
      expect(down.results).toContainEqual(expect.objectContaining({ migrationName: '0002-build-fork', direction: 'Down', status: 'Success' }));
      await sql`
        insert into builds (repo, clone_url, ref, branch, event, status, steps, images, created_at)
        values ('acme/old', 'https://github.com/acme/old.git', 'refs/heads/main', 'main', 'push', 'success', '[]', '[]', '2024-01-01T00:00:00.000Z')`.execute(db);
      await migrateToLatest(fresh.database);
      const [old] = (await new KyselyBuildStore(db).list({ repo: 'acme/old', limit: 1 })).items;
      expect(old).toMatchObject({ repo: 'acme/old', fork: false });
    } finally {
      await fresh.drop();
    }
  });

  it('serves the list query from an index on 100k builds', async () => {
    const { db, dialect } = testDb.database;
    const now = dialect === 'postgres' ? sql`now()` : sql`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;
    await sql`
      with recursive n(i) as (select 1 union all select i + 1 from n where i < 100000)
      insert into builds (repo, clone_url, ref, branch, event, status, steps, images, created_at)
      select 'bulk/r' || (i % 50), 'https://example.test/bulk.git', 'refs/heads/main', 'main', 'push',
             case when i % 1000 = 0 then 'failure' else 'success' end, '[]', '[]', ${now}
      from n`.execute(db);
    if (dialect === 'postgres') await sql`analyze builds`.execute(db);

    const queries = [
      { repo: 'bulk/r7', limit: 20 },
      { repo: 'bulk/r7', branch: 'main', limit: 20 },
      { status: 'failure' as const, limit: 20 },
    ];
    for (const query of queries) {
      const plan = await explain(testDb.database, listQuery(db, query).compile());
      expect(plan).toMatch(/index/i);
      expect(plan).not.toMatch(dialect === 'postgres' ? /Seq Scan/ : /SCAN builds(?! USING)/);
    }

    const page = await store.list({ repo: 'bulk/r7', limit: 1000 });
    expect(page.items).toHaveLength(100);
    expect(page.items.every((b) => b.repo === 'bulk/r7')).toBe(true);
    expect(page.nextCursor).not.toBeNull();
  });
});

async function explain({ db, dialect }: Database, query: CompiledQuery): Promise<string> {
  const prefix = dialect === 'postgres' ? 'explain ' : 'explain query plan ';
  const result = await db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(prefix + query.sql, [...query.parameters]));
  return result.rows.map((row) => String(row['QUERY PLAN'] ?? row.detail)).join('\n');
}

describe('createDatabase for SQLite', () => {
  it('creates the directory and turns on WAL and a busy timeout', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'drydock-sqlite-'));
    const file = path.join(dir, 'a', 'b', 'drydock.db');
    const { db } = createDatabase(`sqlite:${file}`);
    try {
      const journal = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(db);
      const timeout = await sql<{ timeout: number }>`pragma busy_timeout`.execute(db);
      expect(journal.rows[0].journal_mode).toBe('wal');
      expect(timeout.rows[0].timeout).toBeGreaterThan(0);
      expect(existsSync(file)).toBe(true);
    } finally {
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opens an in-memory database and refuses unknown schemes', async () => {
    const database = createDatabase('sqlite::memory:');
    await migrateToLatest(database);
    const store = new KyselyBuildStore(database.db);
    const { builds } = await store.createBuilds([buildRequestFor('acme/mem')]);
    expect(await store.get(builds[0].id)).toEqual(builds[0]);
    await database.db.destroy();
    expect(() => createDatabase('mysql://localhost/x')).toThrow(DrydockError);
  });
});

describe('StoreModule', () => {
  it('provides a migrated store on the configured database and closes it on shutdown', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'drydock-store-module-'));
    const file = path.join(dir, 'drydock.db');
    const config = loadConfig({ DATABASE_URL: `sqlite:${file}`, DRYDOCK_DATA_DIR: dir });
    const moduleRef = await Test.createTestingModule({ imports: [ConfigModule.forRoot(config), StoreModule] }).compile();
    const app = await moduleRef.init();
    const store = app.get<BuildStore>(BUILD_STORE);
    const { builds } = await store.createBuilds([buildRequestFor('acme/module')]);
    await app.close();
    await expect(store.get(builds[0].id)).rejects.toThrow();

    const reopened = createDatabase(`sqlite:${file}`);
    try {
      expect(await new KyselyBuildStore(reopened.db).get(builds[0].id)).toEqual(builds[0]);
    } finally {
      await reopened.db.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
