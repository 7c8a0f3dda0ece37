import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { CompiledQuery, sql } from 'kysely';
import pg from 'pg';
import { ConfigModule, loadConfig } from '@drydock/config';
import { DrydockError, type BuildRequest } from '@drydock/core';
import { testServices } from '@drydock/testing';
import { BUILD_STORE, type BuildStore } from './build-store.js';
import { createDatabase, type Database } from './database.js';
import { KyselyBuildStore } from './kysely-build-store.js';
import { listQuery } from './list-query.js';
import { migrateToLatest } from './migrate.js';
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

let repoCounter = 0;
/** Each test works on its own repository, so tests sharing a database do not see each other's builds. */
const freshRepo = () => `acme/app-${++repoCounter}-${randomBytes(3).toString('hex')}`;

function request(repo: string, overrides: Partial<BuildRequest> = {}): BuildRequest {
  return {
    repo,
    cloneUrl: `https://github.com/${repo}.git`,
    ref: 'refs/heads/main',
    sha: 'a'.repeat(40),
    event: 'push',
    defaultBranch: 'main',
    ...overrides,
  };
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe.each([
  { dialect: 'sqlite', open: sqliteDatabase },
  { dialect: 'postgres', open: postgresDatabase },
])('KyselyBuildStore on $dialect', ({ open }) => {
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

  it('round-trips a build through create, get and update', async () => {
    const repo = freshRepo();
    const { builds, duplicate } = await store.createBuilds([request(repo, { ref: 'refs/heads/feature/x', sha: null })]);
    expect(duplicate).toBe(false);
    const [created] = builds;
    expect(created).toEqual({
      id: expect.any(Number),
      repo,
      cloneUrl: `https://github.com/${repo}.git`,
      ref: 'refs/heads/feature/x',
      sha: null,
      event: 'push',
      status: 'queued',
      defaultBranch: 'main',
      rebuildOf: null,
      steps: [],
      images: [],
      error: null,
      createdAt: expect.stringMatching(ISO),
      startedAt: null,
      finishedAt: null,
    });
    expect(await store.get(created.id)).toEqual(created);

    const startedAt = '2024-05-01T10:00:00.123Z';
    const updated = await store.update(created.id, {
      status: 'running',
      sha: 'b'.repeat(40),
      startedAt,
      steps: [{ name: 'clone', status: 'success', startedAt, finishedAt: startedAt }],
      images: [{ name: 'localhost:5000/acme/app', tags: ['sha-bbbbbbb', 'latest'], digest: null }],
    });
    expect(updated).toEqual({
      ...created,
      status: 'running',
      sha: 'b'.repeat(40),
      startedAt,
      steps: [{ name: 'clone', status: 'success', startedAt, finishedAt: startedAt }],
      images: [{ name: 'localhost:5000/acme/app', tags: ['sha-bbbbbbb', 'latest'], digest: null }],
    });
    expect(await store.get(created.id)).toEqual(updated);

    const rebuild = await store.createBuilds([request(repo, { event: 'rebuild', rebuildOf: created.id })]);
    expect(rebuild.builds[0].rebuildOf).toBe(created.id);
  });

  it('answers undefined or not_found for unknown ids', async () => {
    expect(await store.get(987654321)).toBeUndefined();
    await expect(store.update(987654321, { status: 'error' })).rejects.toMatchObject({ code: 'not_found' });
    expect(await store.transition(987654321, ['queued'], { status: 'running' })).toBeUndefined();
  });

  it('creates the builds of a delivery once, and returns them again on redelivery', async () => {
    const repo = freshRepo();
    const deliveryId = `delivery-${randomBytes(4).toString('hex')}`;
    const requests = [request(repo), request(repo, { ref: 'refs/tags/v1.2.3', event: 'tag' })];

    const first = await store.createBuilds(requests, deliveryId);
    expect(first.duplicate).toBe(false);
    expect(first.builds.map((b) => b.ref)).toEqual(['refs/heads/main', 'refs/tags/v1.2.3']);

    const again = await store.createBuilds(requests, deliveryId);
    expect(again).toEqual({ builds: first.builds, duplicate: true });
    expect((await store.list({ repo, limit: 10 })).items).toHaveLength(2);
  });

  it('creates the builds of one delivery once when two requests race', async () => {
    const repo = freshRepo();
    const deliveryId = `race-${randomBytes(4).toString('hex')}`;
    const results = await Promise.all([
      store.createBuilds([request(repo)], deliveryId),
      store.createBuilds([request(repo)], deliveryId),
      store.createBuilds([request(repo)], deliveryId),
    ]);
    expect(results.map((r) => r.duplicate).sort()).toEqual([false, true, true]);
    const ids = results.map((r) => r.builds.map((b) => b.id));
    expect(ids[1]).toEqual(ids[0]);
    expect(ids[2]).toEqual(ids[0]);
    expect((await store.list({ repo, limit: 10 })).items.map((b) => b.id)).toEqual(ids[0]);
  });

  it('lists newest first with filters', async () => {
    const repo = freshRepo();
    const other = freshRepo();
    const { builds } = await store.createBuilds([
      request(repo),
      request(repo, { ref: 'refs/heads/feature/x' }),
      request(repo, { ref: 'refs/tags/v1.0.0', event: 'tag' }),
      request(other),
      request(repo, { ref: 'refs/heads/feature/x' }),
    ]);
    const [main, featureA, tag, , featureB] = builds;
    await store.update(featureA.id, { status: 'failure' });

    const ids = async (query: Parameters<KyselyBuildStore['list']>[0]) =>
      (await store.list(query)).items.map((b) => b.id);
    expect(await ids({ repo, limit: 10 })).toEqual([featureB.id, tag.id, featureA.id, main.id]);
    expect(await ids({ repo, branch: 'feature/x', limit: 10 })).toEqual([featureB.id, featureA.id]);
    expect(await ids({ repo, status: 'failure', limit: 10 })).toEqual([featureA.id]);
    expect(await ids({ repo, branch: 'main', status: 'queued', limit: 10 })).toEqual([main.id]);
    const all = await ids({ limit: 100 });
    expect(all).toEqual([...all].sort((a, b) => b - a));
    expect(all.slice(0, 5)).toEqual(builds.map((b) => b.id).reverse());
  });

  it('pages with a cursor that stays stable when builds are inserted between pages', async () => {
    const repo = freshRepo();
    const { builds } = await store.createBuilds(Array.from({ length: 7 }, () => request(repo)));
    const expected = builds.map((b) => b.id).reverse();

    const seen: number[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const result = await store.list({ repo, limit: 3, cursor });
      seen.push(...result.items.map((b) => b.id));
      await store.createBuilds([request(repo)]); // a newer build must not shift the pages
      if (result.nextCursor === null) break;
      cursor = result.nextCursor;
    }
    expect(seen).toEqual(expected);
  });

  it('rejects a malformed cursor as invalid_request', async () => {
    const attempt = store.list({ limit: 10, cursor: 'not a cursor' });
    await expect(attempt).rejects.toBeInstanceOf(DrydockError);
    await expect(attempt).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('transitions only from the expected statuses', async () => {
    const [build] = (await store.createBuilds([request(freshRepo())])).builds;
    const startedAt = '2024-05-01T10:00:00.000Z';
    const running = await store.transition(build.id, ['queued'], { status: 'running', startedAt });
    expect(running).toMatchObject({ id: build.id, status: 'running', startedAt });
    expect(await store.transition(build.id, ['queued'], { status: 'running' })).toBeUndefined();
    expect(await store.transition(build.id, [], { status: 'error' })).toBeUndefined();

    const finishedAt = '2024-05-01T10:05:00.000Z';
    const [cancel, succeed] = await Promise.all([
      store.transition(build.id, ['queued', 'running'], { status: 'cancelled', finishedAt }),
      store.transition(build.id, ['running'], { status: 'success', finishedAt }),
    ]);
    expect([cancel, succeed].filter((b) => b !== undefined)).toHaveLength(1);
    const final = await store.get(build.id);
    expect(final?.status).toBe((cancel ?? succeed)?.status);
    expect(final?.finishedAt).toBe(finishedAt);
  });

  it('saves and reads a build log, replacing it on a second save', async () => {
    const [build] = (await store.createBuilds([request(freshRepo())])).builds;
    expect(await store.readLog(build.id)).toBeUndefined();
    const text = 'step 1/3 ✓\nunicode: ünïcødé 🚢\n\n';
    await store.saveLog(build.id, text);
    expect(await store.readLog(build.id)).toBe(text);
    await store.saveLog(build.id, 'replaced\n');
    expect(await store.readLog(build.id)).toBe('replaced\n');
  });

  it('lists unfinished builds oldest first', async () => {
    const { builds } = await store.createBuilds([request(freshRepo()), request(freshRepo()), request(freshRepo())]);
    const [queued, running, done] = builds;
    await store.update(running.id, { status: 'running' });
    await store.update(done.id, { status: 'success' });
    const unfinished = (await store.listUnfinished()).map((b) => b.id);
    expect(unfinished.filter((id) => builds.some((b) => b.id === id))).toEqual([queued.id, running.id]);
    expect(unfinished).toEqual([...unfinished].sort((a, b) => a - b));
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
    const { builds } = await store.createBuilds([request('acme/mem')]);
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
    const { builds } = await store.createBuilds([request('acme/module')]);
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
