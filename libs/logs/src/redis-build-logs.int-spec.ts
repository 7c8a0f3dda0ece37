import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { ConfigModule, loadConfig } from '@drydock/config';
import { RedisBuildEvents } from '@drydock/events';
import { CONTRACT_CONFIG_SECRET, describeBuildLogsContract, InMemoryLogArchive, testServices } from '@drydock/testing';
import { BUILD_LOGS, type BuildLogs } from './build-logs.js';
import { LOG_ARCHIVE } from './log-archive.js';
import { joinLines } from './log-text.js';
import { LogsModule } from './logs.module.js';
import { RedisBuildLogs, type RedisBuildLogsOptions } from './redis-build-logs.js';

const BUILD_SECRET = 'clone-token-456';

let redis: Redis;
const clients: Redis[] = [];
/** This run's own keys and channel, so parallel runs on the same Redis never share a build id. */
const prefix = `drydock-test-${randomBytes(6).toString('hex')}`;
let nextId = 0;

beforeAll(() => {
  redis = client();
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await Promise.all(clients.map((c) => c.quit()));
});

function client(): Redis {
  const c = new Redis(testServices().redisUrl);
  clients.push(c);
  return c;
}

function subject(options: Partial<RedisBuildLogsOptions> = {}) {
  const archive = new InMemoryLogArchive();
  const events = new RedisBuildEvents(client(), client(), prefix);
  const logs = new RedisBuildLogs(
    { redis, archive, events },
    { secrets: [CONTRACT_CONFIG_SECRET], maxBytes: 1024 * 1024, prefix, blockMs: 200, finishGraceMs: 300, ...options },
  );
  return { logs, archive, events, nextBuildId: () => ++nextId, close: async () => logs.disconnectFollowers() };
}

describeBuildLogsContract('RedisBuildLogs', async ({ secrets, maxBytes }) => subject({ secrets, maxBytes }));

async function waitFor(condition: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const keyOf = (id: number) => `${prefix}:log:${id}`;

describe('RedisBuildLogs on Redis streams', () => {
  it('sends lines in batches, one per flush interval, in order', async () => {
    const { logs, nextBuildId } = subject({ flushIntervalMs: 300 });
    const id = nextBuildId();
    const writer = logs.open(id);
    for (let i = 0; i < 100; i++) writer.line(`chatty ${i}`);
    await sleep(100);
    expect(await redis.xlen(keyOf(id))).toBe(0); // held for the batch, not one round trip per line
    await waitFor(async () => (await redis.xlen(keyOf(id))) === 100);
    expect(await logs.read(id)).toBe(joinLines(Array.from({ length: 100 }, (_, i) => `chatty ${i}`)));
    await writer.close();
  });

  it('masks a secret split across raw writes, and never puts a secret in the stream', async () => {
    const { logs, archive, nextBuildId } = subject();
    const id = nextBuildId();
    const writer = logs.open(id, [BUILD_SECRET]);
    writer.write(`pushing with ${CONTRACT_CONFIG_SECRET.slice(0, 7)}`);
    writer.write(`${CONTRACT_CONFIG_SECRET.slice(7)} done\nunterminated ${BUILD_SECRET}`);
    await writer.close();

    expect(await archive.read(id)).toBe('pushing with *** done\nunterminated ***\n');
    const raw = JSON.stringify(await redis.xrange(keyOf(id), '-', '+'));
    expect(raw).not.toContain(CONTRACT_CONFIG_SECRET);
    expect(raw).not.toContain(BUILD_SECRET);
  });

  it('closes with one end marker and a short expiry', async () => {
    const { logs, nextBuildId } = subject();
    const id = nextBuildId();
    const writer = logs.open(id);
    writer.line('only line');
    await Promise.all([writer.close(), writer.close()]);
    await writer.close();
    const entries = await redis.xrange(keyOf(id), '-', '+');
    expect(entries.map(([, fields]) => fields[0])).toEqual(['l', 'end']);
    const ttl = await redis.ttl(keyOf(id));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(600);
  });

  it('follows a closed stream to its end marker even when the archive has no log yet', async () => {
    const { logs, nextBuildId } = subject();
    const id = nextBuildId();
    await redis.xadd(keyOf(id), '*', 'l', 'streamed');
    await redis.xadd(keyOf(id), '*', 'end', '1');
    const seen: string[] = [];
    for await (const line of logs.follow(id, new AbortController().signal)) seen.push(line);
    expect(seen).toEqual(['streamed']);
  });
});

describe('RedisBuildLogs shared readers', () => {
  const connections = async () => String(await redis.client('LIST')).trim().split('\n').length;

  it('serves every follower of a build from one reader on one connection, and lets it go with the last', async () => {
    const { logs, nextBuildId } = subject();
    const id = nextBuildId();
    const writer = logs.open(id);
    writer.line('before anyone followed');
    await waitFor(async () => (await redis.xlen(keyOf(id))) === 1);
    const before = await connections();

    const followers = Array.from({ length: 50 }, () => {
      const seen: string[] = [];
      const done = (async () => {
        for await (const line of logs.follow(id, new AbortController().signal)) seen.push(line);
      })();
      return { seen, done };
    });
    await waitFor(() => followers.every((f) => f.seen.length === 1));
    expect(logs.liveReaders).toBe(1);
    expect((await connections()) - before).toBeLessThanOrEqual(1);

    writer.line('while they followed');
    const late = (async () => {
      const seen: string[] = [];
      for await (const line of logs.follow(id, new AbortController().signal)) seen.push(line);
      return seen;
    })();
    await writer.close();
    await Promise.all(followers.map((f) => f.done));
    for (const f of followers) expect(f.seen).toEqual(['before anyone followed', 'while they followed']);
    expect(await late).toEqual(['before anyone followed', 'while they followed']);
    expect(logs.liveReaders).toBe(0);
  });

  it('keeps the reader while one follower stays when another aborts', async () => {
    const { logs, nextBuildId } = subject();
    const id = nextBuildId();
    const writer = logs.open(id);
    writer.line('one');
    const leaving = new AbortController();
    const gone = (async () => {
      for await (const _line of logs.follow(id, leaving.signal)) leaving.abort();
    })();
    const staying: string[] = [];
    const stays = (async () => {
      for await (const line of logs.follow(id, new AbortController().signal)) staying.push(line);
    })();
    await gone;
    writer.line('two');
    await writer.close();
    await stays;
    expect(staying).toEqual(['one', 'two']);
    expect(logs.liveReaders).toBe(0);
  });
});

describe('LogsModule', () => {
  it('provides BUILD_LOGS on the configured Redis, prefix, events and archive, masking the configured secrets', async () => {
    const modulePrefix = `${prefix}-module`;
    const archive = new InMemoryLogArchive();
    @Global()
    @Module({ providers: [{ provide: LOG_ARCHIVE, useValue: archive }], exports: [LOG_ARCHIVE] })
    class ArchiveModule {}
    const config = loadConfig({
      REDIS_URL: testServices().redisUrl,
      DRYDOCK_REDIS_PREFIX: modulePrefix,
      GITHUB_TOKEN: 'ghp_fromTheEnvironment',
    });
    const moduleRef = await Test.createTestingModule({ imports: [ConfigModule.forRoot(config), ArchiveModule, LogsModule] }).compile();
    const app = await moduleRef.init();
    const events = new RedisBuildEvents(client(), client(), modulePrefix);
    try {
      const logs = app.get<BuildLogs>(BUILD_LOGS);
      const writer = logs.open(1);
      writer.line('token ghp_fromTheEnvironment');
      await waitFor(async () => (await redis.xlen(`${modulePrefix}:log:1`)) === 1);

      const seen: string[] = [];
      const follow = (async () => {
        for await (const line of logs.follow(1, new AbortController().signal)) seen.push(line);
      })();
      await waitFor(() => seen.length === 1);
      await events.publish({ type: 'build.finished', buildId: 1, status: 'error' }); // the worker died
      await follow;
      expect(seen).toEqual(['token ***']);
      await writer.close();
      expect(await archive.read(1)).toBe('token ***\n');
    } finally {
      await app.close();
      await redis.del(`${modulePrefix}:log:1`);
    }
  });
});
