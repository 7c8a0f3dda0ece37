import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import pg from 'pg';
import { DrydockError } from '@drydock/core';
import { freePort, testServices } from '@drydock/testing';
import { createDatabase, type Database } from './database.js';
import { InCodeMigrationProvider, migrateToLatest } from './migrate.js';

/** Several processes starting on one new database, or before it answers (issue 15). */
let expected: string[];
const quiet = { log: () => undefined, delaysMs: [50] };

beforeAll(async () => {
  expected = Object.keys(await new InCodeMigrationProvider('sqlite').getMigrations()).sort();
});

async function migrationsOf({ db }: Database): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  return rows.map((r) => r.name);
}

describe('migrateToLatest on SQLite', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'drydock-migrate-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('migrates a new file once when several connections start on it together', async () => {
    const file = path.join(dir, 'together.db');
    const databases = Array.from({ length: 6 }, () => createDatabase(`sqlite:${file}`));
    try {
      await Promise.all(databases.map((d) => migrateToLatest(d, quiet)));
      expect(await migrationsOf(databases[0])).toEqual(expected);
      // Each connection is out of the migration's transaction: another can write at once.
      await sql`create table after_migration (x integer)`.execute(databases[5].db);
    } finally {
      await Promise.all(databases.map((d) => d.db.destroy()));
    }
  });

  it('opens the file with a busy timeout, WAL and synchronous FULL (a commit is on disk when it returns)', async () => {
    const { db } = createDatabase(`sqlite:${path.join(dir, 'pragmas.db')}`);
    try {
      const pragma = async (name: string) => Object.values((await sql.raw(`pragma ${name}`).execute(db)).rows[0] as object)[0] as unknown;
      expect(await pragma('busy_timeout')).toBeGreaterThanOrEqual(5000);
      expect(await pragma('journal_mode')).toBe('wal');
      expect(await pragma('synchronous')).toBe(2); // FULL
    } finally {
      await db.destroy();
    }
  });
});

describe('migrateToLatest on PostgreSQL', () => {
  const serverUrl = () => new URL(testServices().postgresUrl);
  const databases: string[] = [];

  async function freshDatabase(): Promise<URL> {
    const name = `drydock_migrate_${randomBytes(5).toString('hex')}`;
    await admin((client) => client.query(`create database ${name}`));
    databases.push(name);
    const url = serverUrl();
    url.pathname = `/${name}`;
    return url;
  }

  async function admin(run: (client: pg.Client) => Promise<unknown>): Promise<void> {
    const client = new pg.Client({ connectionString: testServices().postgresUrl });
    await client.connect();
    try {
      await run(client);
    } finally {
      await client.end();
    }
  }

  afterAll(async () => {
    for (const name of databases) await admin((client) => client.query(`drop database if exists ${name} with (force)`));
  });

  it('migrates a new database once when several pools start on it together (Kysely’s advisory lock)', async () => {
    const url = await freshDatabase();
    const pools = Array.from({ length: 4 }, () => createDatabase(url.toString()));
    try {
      await Promise.all(pools.map((d) => migrateToLatest(d, quiet)));
      expect(await migrationsOf(pools[0])).toEqual(expected);
    } finally {
      await Promise.all(pools.map((d) => d.db.destroy()));
    }
  });

  it('waits for a server that refuses connections, saying so, and migrates once it answers', async () => {
    const url = await freshDatabase();
    const target = { host: url.hostname, port: Number(url.port) };
    url.port = String(await freePort()); // nothing listens there yet
    const database = createDatabase(url.toString());
    const told: string[] = [];
    let proxy: Server | undefined;
    try {
      const migrated = migrateToLatest(database, { log: (line) => told.push(line), delaysMs: [100] });
      await new Promise((r) => setTimeout(r, 500));
      proxy = createServer((client) => client.pipe(createConnection(target)).pipe(client)).listen(Number(url.port), '127.0.0.1');
      await migrated;
      expect(await migrationsOf(database)).toEqual(expected);
      expect(told[0]).toBe(`waiting for PostgreSQL at 127.0.0.1:${url.port}${url.pathname}: connection refused, retrying in 0.1s`);
    } finally {
      await database.db.destroy();
      proxy?.close();
    }
  });

  it('fails at once on what waiting would not fix (a database that does not exist)', async () => {
    const url = serverUrl();
    url.pathname = '/drydock_no_such_database';
    const database = createDatabase(url.toString());
    try {
      const err = await migrateToLatest(database, quiet).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(DrydockError);
      expect((err as DrydockError).message).toMatch(/^cannot use PostgreSQL at .*\/drydock_no_such_database: .*does not exist/);
    } finally {
      await database.db.destroy();
    }
  });
});
