import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describeCheckRunIdsContract, describeReportOutboxContract, testServices } from '@drydock/testing';
import { createDatabase, type Database } from './database.js';
import { KyselyCheckRunIds } from './kysely-check-run-ids.js';
import { KyselyReportOutbox } from './kysely-report-outbox.js';
import { migrateToLatest } from './migrate.js';

/** A migrated SQLite file or a fresh PostgreSQL database on the harness's server, and how to drop it. */
async function openDatabase(dialect: 'sqlite' | 'postgres'): Promise<{ database: Database; drop(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'drydock-outbox-'));
    const database = createDatabase(`sqlite:${path.join(dir, 'drydock.db')}`);
    await migrateToLatest(database);
    return { database, drop: async () => (await database.db.destroy(), rmSync(dir, { recursive: true, force: true })) };
  }
  const serverUrl = testServices().postgresUrl;
  if (!serverUrl) throw new Error('testServices().postgresUrl is missing: the PostgreSQL suite cannot run');
  const name = `drydock_outbox_${randomBytes(6).toString('hex')}`;
  const admin = async (query: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    await client.query(query).finally(() => client.end());
  };
  await admin(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = createDatabase(url.toString());
  await migrateToLatest(database);
  return { database, drop: async () => (await database.db.destroy(), await admin(`drop database ${name} with (force)`)) };
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describeReportOutboxContract(`KyselyReportOutbox on ${dialect}`, async () => {
    const { database, drop } = await openDatabase(dialect);
    return { outbox: new KyselyReportOutbox(database.db), close: drop };
  });
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describeCheckRunIdsContract(`KyselyCheckRunIds on ${dialect}`, async () => {
    const { database, drop } = await openDatabase(dialect);
    return { ids: new KyselyCheckRunIds(database.db), close: drop };
  });
}
