import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { ConfigModule, loadConfig } from '@drydock/config';
import type { BuildRequest } from '@drydock/core';
import {
  BUILD_STORE,
  createDatabase,
  DATABASE,
  KyselyBuildStore,
  migrateToLatest,
  type BuildStore,
  type Database,
} from '@drydock/store';
import { testServices } from '@drydock/testing';
import { BUILD_LOGS, type BuildLogs } from './build-logs.js';
import { joinLines } from './log-text.js';
import { LogsModule } from './logs.module.js';
import { RedisBuildLogs, type RedisBuildLogsOptions } from './redis-build-logs.js';

const CONFIG_SECRET = 'ghp_configSecret123';
const BUILD_SECRET = 'clone-token-456';

let redis: Redis;
let database: Database;
let store: KyselyBuildStore;
/** This run's own stream keys, so parallel runs on the same Redis never share a build id. */
const keyPrefix = `drydock-test:${randomBytes(6).toString('hex')}:log:`;

beforeAll(async () => {
  const { redisUrl } = testServices();
  if (!redisUrl) throw new Error('testServices().redisUrl is missing: the log suite cannot run');
  redis = new Redis(redisUrl);
  database = createDatabase('sqlite::memory:');
  await migrateToLatest(database);
  store = new KyselyBuildStore(database.db);
});

afterAll(async () => {
  const keys = await redis?.keys(`${keyPrefix}*`);
  if (keys?.length) await redis.del(...keys);
  await redis?.quit();
  await database?.db.destroy();
});

function logsWith(options: Partial<RedisBuildLogsOptions> = {}): RedisBuildLogs {
  return new RedisBuildLogs(redis, store, {
    secrets: [CONFIG_SECRET],
    maxBytes: 1024 * 1024,
    keyPrefix,
    statusPollMs: 200,
    ...options,
  });
}

const request: BuildRequest = {
  repo: 'acme/app',
  cloneUrl: 'https://github.com/acme/app.git',
  ref: 'refs/heads/main',
  sha: null,
  event: 'push',
  defaultBranch: 'main',
};

async function runningBuild(): Promise<number> {
  const [build] = (await store.createBuilds([request])).builds;
  await store.update(build.id, { status: 'running' });
  return build.id;
}

/** Consumes a follow in the background; `done` settles when the follow ends. */
function collect(lines: AsyncIterable<string>): { lines: string[]; done: Promise<void> } {
  const seen: string[] = [];
  const done = (async () => {
    for await (const line of lines) seen.push(line);
  })();
  return { lines: seen, done };
}

async function waitFor(condition: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('RedisBuildLogs', () => {
  it('streams lines in order to a follower started before the first line, and ends it on close', async () => {
    const logs = logsWith();
    const id = await runningBuild();
    const follower = collect(logs.follow(id, new AbortController().signal));
    await sleep(200);

    const writer = logs.open(id);
    const expected = Array.from({ length: 500 }, (_, i) => `line ${i}`);
    expected.slice(0, 250).forEach((l) => writer.line(l));
    await sleep(150); // a second batch
    writer.line(expected.slice(250).join('\n')); // one call, many lines
    await writer.close();
    await follower.done;

    expect(follower.lines).toEqual(expected);
    expect(await store.readLog(id)).toBe(joinLines(expected));
    expect(await logs.read(id)).toBe(joinLines(expected));
  });

  it('sends lines in batches, one per flush interval, in order', async () => {
    const logs = logsWith({ flushIntervalMs: 300 });
    const id = await runningBuild();
    const key = `${keyPrefix}${id}`;
    const writer = logs.open(id);
    for (let i = 0; i < 100; i++) writer.line(`chatty ${i}`);
    await sleep(100);
    expect(await redis.xlen(key)).toBe(0); // held for the batch, not one round trip per line
    await waitFor(async () => (await redis.xlen(key)) === 100);
    expect(await logs.read(id)).toBe(joinLines(Array.from({ length: 100 }, (_, i) => `chatty ${i}`)));
    await writer.close();
  });

  it('gives a follower started mid-way the earlier lines first', async () => {
    const logs = logsWith();
    const id = await runningBuild();
    const writer = logs.open(id);
    writer.line('one');
    writer.line('two');
    await waitFor(async () => (await logs.read(id)) === 'one\ntwo\n'); // streamed, not yet stored
    expect(await store.readLog(id)).toBeUndefined();

    const follower = collect(logs.follow(id, new AbortController().signal));
    writer.line('three');
    await writer.close();
    await follower.done;
    expect(follower.lines).toEqual(['one', 'two', 'three']);
  });

  it('masks configured and per-build secrets before streaming and storing, also when split across writes', async () => {
    const logs = logsWith();
    const id = await runningBuild();
    const follower = collect(logs.follow(id, new AbortController().signal));
    const writer = logs.open(id, [BUILD_SECRET]);
    writer.line(`Authorization: token ${CONFIG_SECRET}`);
    writer.line(`git clone https://x-access-token:${BUILD_SECRET}@github.com/acme/app.git`);
    writer.write(`pushing with ${CONFIG_SECRET.slice(0, 7)}`);
    writer.write(`${CONFIG_SECRET.slice(7)} done\nunterminated ${BUILD_SECRET}`);
    await writer.close();
    await follower.done;

    const expected = [
      'Authorization: token ***',
      'git clone https://x-access-token:***@github.com/acme/app.git',
      'pushing with *** done',
      'unterminated ***',
    ];
    expect(follower.lines).toEqual(expected);
    expect(await store.readLog(id)).toBe(joinLines(expected));
    const raw = JSON.stringify(await redis.xrange(`${keyPrefix}${id}`, '-', '+'));
    expect(raw).not.toContain(CONFIG_SECRET);
    expect(raw).not.toContain(BUILD_SECRET);
  });

  it('cuts the log at the size cap with one marker line, streamed and stored alike', async () => {
    const logs = logsWith({ maxBytes: 1024 });
    const id = await runningBuild();
    const follower = collect(logs.follow(id, new AbortController().signal));
    const writer = logs.open(id);
    const line = 'x'.repeat(99); // 100 bytes with its newline
    for (let i = 0; i < 50; i++) writer.line(`${line.slice(2)}${String(i).padStart(2, '0')}`);
    await writer.close();
    await follower.done;

    const stored = (await store.readLog(id)) ?? '';
    const lines = stored.split('\n').slice(0, -1);
    expect(lines).toHaveLength(11);
    expect(lines[9].endsWith('09')).toBe(true);
    expect(lines[10]).toBe('[drydock] log truncated at 1024 bytes');
    expect(follower.lines).toEqual(lines);
  });

  it('yields the stored log of a finished build whose stream is gone', async () => {
    const logs = logsWith();
    const id = await runningBuild();
    await store.saveLog(id, 'from the database\nsecond\n');
    await store.update(id, { status: 'success' });
    const follower = collect(logs.follow(id, new AbortController().signal));
    await follower.done;
    expect(follower.lines).toEqual(['from the database', 'second']);
    expect(await logs.read(id)).toBe('from the database\nsecond\n');
  });

  it('waits for a queued build to start logging', async () => {
    const logs = logsWith();
    const id = await runningBuild();
    await store.update(id, { status: 'queued' });
    const follower = collect(logs.follow(id, new AbortController().signal));
    await sleep(600); // several status checks pass while nothing is logged
    await store.update(id, { status: 'running' });
    const writer = logs.open(id);
    writer.line('started');
    await writer.close();
    await follower.done;
    expect(follower.lines).toEqual(['started']);
  });

  it('stops following when the signal aborts', async () => {
    const logs = logsWith({ statusPollMs: 5000 });
    const id = await runningBuild();
    const writer = logs.open(id);
    writer.line('still going');
    const abort = new AbortController();
    const follower = collect(logs.follow(id, abort.signal));
    await waitFor(() => follower.lines.length === 1);
    const abortedAt = Date.now();
    abort.abort();
    await follower.done;
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    await writer.close();
  });

  it('ends the follow of a build that finished without closing its log (a dead worker)', async () => {
    const logs = logsWith();
    const id = await runningBuild();
    const writer = logs.open(id);
    writer.line('about to crash');
    const follower = collect(logs.follow(id, new AbortController().signal));
    await waitFor(() => follower.lines.length === 1);
    await store.update(id, { status: 'error', error: 'worker lost' });
    await follower.done;
    expect(follower.lines).toEqual(['about to crash']);
  });

  it('closes once, writing one end marker and a short expiry', async () => {
    const logs = logsWith();
    const id = await runningBuild();
    const writer = logs.open(id);
    writer.line('only line');
    await Promise.all([writer.close(), writer.close()]);
    writer.line('after close is dropped');
    await writer.close();

    const key = `${keyPrefix}${id}`;
    const entries = await redis.xrange(key, '-', '+');
    expect(entries.map(([, fields]) => fields[0])).toEqual(['l', 'end']);
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(600);
    expect(await store.readLog(id)).toBe('only line\n');
  });

  it('starts afresh when a build is logged again (a retry)', async () => {
    const logs = logsWith();
    const id = await runningBuild();
    const first = logs.open(id);
    first.line('first attempt');
    await first.close();

    const second = logs.open(id);
    second.line('second attempt');
    await waitFor(async () => (await logs.read(id)) === 'second attempt\n'); // live, not the stored first attempt
    await second.close();
    const follower = collect(logs.follow(id, new AbortController().signal));
    await follower.done;
    expect(follower.lines).toEqual(['second attempt']);
    expect(await logs.read(id)).toBe('second attempt\n');
  });
});

describe('LogsModule', () => {
  it('provides BUILD_LOGS on the configured Redis and store, masking the configured secrets', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'drydock-logs-module-'));
    const config = loadConfig({
      DATABASE_URL: `sqlite:${path.join(dir, 'drydock.db')}`,
      REDIS_URL: testServices().redisUrl,
      GITHUB_TOKEN: 'ghp_fromTheEnvironment',
    });
    const moduleRef = await Test.createTestingModule({ imports: [ConfigModule.forRoot(config), LogsModule] }).compile();
    const app = await moduleRef.init();
    try {
      // ids from a random start: the default stream keys must not meet another suite's build 1
      const { db } = app.get<Database>(DATABASE);
      await sql`insert into sqlite_sequence (name, seq) values ('builds', ${randomInt(1e6, 1e9)})`.execute(db);
      const [build] = (await app.get<BuildStore>(BUILD_STORE).createBuilds([request])).builds;
      const logs = app.get<BuildLogs>(BUILD_LOGS);
      const writer = logs.open(build.id);
      writer.line('token ghp_fromTheEnvironment');
      await writer.close();
      expect(await logs.read(build.id)).toBe('token ***\n');
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
