import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sql } from 'kysely';
import { createDatabase } from '@drydock/store';
import { InCodeMigrationProvider } from '../../libs/store/src/migrate.js';
import { DrydockCluster, FaultRedis, freshPostgresDatabase, postgresServer, TcpProxy, type DrydockProcess } from './harness.js';

/**
 * Start-up in any order (issue 15): an API and three workers started at the same moment on
 * an empty database, and started before Redis or PostgreSQL answer. Every process must end
 * up serving, none may exit, and the schema must be migrated exactly once.
 */
const ROUNDS = 6;
const WORKERS = 3;

let redis: FaultRedis;
let expectedMigrations: string[];

beforeAll(async () => {
  redis = await FaultRedis.start();
  expectedMigrations = Object.keys(await new InCodeMigrationProvider('sqlite').getMigrations()).sort();
});

afterAll(async () => {
  await redis?.close();
});

/** Starts an API and WORKERS workers together, without waiting for any of them. */
async function startTogether(cluster: DrydockCluster): Promise<DrydockProcess[]> {
  const workers = Array.from({ length: WORKERS }, () => cluster.startWorker());
  return [await cluster.startApi(), ...workers];
}

/** Every process serves, none exited, no migration failed, and each migration is recorded once. */
async function expectAllServingOnOneSchema(cluster: DrydockCluster, processes: DrydockProcess[], databaseUrl: string): Promise<void> {
  try {
    await Promise.all(processes.map((p) => p.serving(60_000)));
  } catch (err) {
    throw new Error(`${(err as Error).message.split('\n')[0]}\n${cluster.output()}`, { cause: err });
  }
  expect(processes.filter((p) => p.exited).map((p) => p.describe())).toEqual([]);
  expect(cluster.output()).not.toMatch(/migration \S+ failed/);
  const { db } = createDatabase(databaseUrl);
  try {
    const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
    expect(rows.map((r) => r.name)).toEqual(expectedMigrations);
  } finally {
    await db.destroy();
  }
}

describe('start-up in any order', () => {
  it(`an API and ${WORKERS} workers started at once on an empty SQLite file all serve, ${ROUNDS} times`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const cluster = DrydockCluster.create({ redisUrl: redis.url });
      try {
        const processes = await startTogether(cluster);
        await expectAllServingOnOneSchema(cluster, processes, cluster.env.DATABASE_URL);
      } finally {
        await cluster.stop(3000);
      }
    }
  });

  it(`an API and ${WORKERS} workers started at once on an empty PostgreSQL database all serve, ${ROUNDS} times`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const database = await freshPostgresDatabase('startup');
      const cluster = DrydockCluster.create({ redisUrl: redis.url, databaseUrl: database.url });
      try {
        const processes = await startTogether(cluster);
        await expectAllServingOnOneSchema(cluster, processes, database.url);
      } finally {
        await cluster.stop(3000);
        await database.drop();
      }
    }
  });

  it('processes started before Redis answers wait for it, saying so, and serve once it is up', async () => {
    const late = await FaultRedis.start();
    await late.stop();
    const cluster = DrydockCluster.create({ redisUrl: late.url });
    try {
      const processes = await startTogether(cluster);
      await Promise.all(cluster.workers.map((w) => w.waitForLog(/waiting for Redis at 127\.0\.0\.1:\d+: connection refused, retrying in/)));
      await sleep(3000);
      expect(processes.filter((p) => p.exited)).toEqual([]);
      const health = await fetch(`${cluster.url}/healthz`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ redis: expect.stringContaining('ECONNREFUSED'), database: 'ok' });
      await late.start();
      await expectAllServingOnOneSchema(cluster, processes, cluster.env.DATABASE_URL);
    } finally {
      await cluster.stop(3000);
      await late.close();
    }
  });

  it('processes started before PostgreSQL answers wait for it, saying so, and serve once it is up', async () => {
    const database = await freshPostgresDatabase('startup');
    const proxy = await TcpProxy.start(postgresServer(), { cut: true });
    const cluster = DrydockCluster.create({ redisUrl: redis.url, databaseUrl: database.urlThrough(proxy) });
    try {
      const processes = await startTogether(cluster);
      await Promise.all(processes.map((p) => p.waitForLog(/waiting for PostgreSQL at 127\.0\.0\.1:\d+\/\w+: connection refused, retrying in/)));
      await sleep(2000);
      expect(processes.filter((p) => p.exited)).toEqual([]);
      await proxy.restore();
      await expectAllServingOnOneSchema(cluster, processes, database.url);
    } finally {
      await cluster.stop(3000);
      await proxy.close();
      await database.drop();
    }
  });
});
