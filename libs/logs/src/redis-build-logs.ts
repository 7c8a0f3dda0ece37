import type { Redis } from 'ioredis';
import type { BuildEvents } from '@drydock/events';
import { redisKey, type RedisPrefix } from '@drydock/redis';
import type { BuildLogs, LogRun } from './build-logs.js';
import type { LogArchive } from './log-archive.js';
import { eventOf, type StreamEntry } from './log-stream.js';
import { secretsToMask } from '@drydock/core';
import { joinLines, splitLines } from './log-text.js';
import { RedisLogWriter } from './redis-log-writer.js';
import { streamIdAfter, SharedLogReader, type ReaderEvent, type ReaderFollower } from './shared-log-reader.js';

export interface RedisBuildLogsOptions {
  /** Masked in every log (AppConfig.secrets). */
  secrets: readonly string[];
  /** AppConfig.logMaxBytes */
  maxBytes: number;
  /** The instance's key prefix (AppConfig.redisPrefix): a build's stream is `<prefix>:log:<id>`. */
  prefix: RedisPrefix;
  flushIntervalMs?: number;
  /** See SharedLogReaderOptions. */
  blockMs?: number;
  finishGraceMs?: number;
  closedTtlSeconds?: number;
}

export interface RedisBuildLogsDeps {
  /** For XADD/XRANGE; each build followed blocks on one `duplicate()`, shared by its followers. */
  redis: Redis;
  archive: LogArchive;
  /** A follow ends on `build.finished` when its log is never closed. */
  events: BuildEvents;
}

/** BuildLogs on Redis streams (live) and a LogArchive (kept). See BuildLogs for the contract. */
export class RedisBuildLogs implements BuildLogs {
  /** One shared reader per build followed in this process. */
  private readonly readers = new Map<number, SharedLogReader>();
  private readonly redis: Redis;
  private readonly archive: LogArchive;
  private readonly events: BuildEvents;
  private stopped = false;

  constructor(
    deps: RedisBuildLogsDeps,
    private readonly options: RedisBuildLogsOptions,
  ) {
    ({ redis: this.redis, archive: this.archive, events: this.events } = deps);
  }

  open(buildId: number, secrets: readonly string[] = [], run?: LogRun): RedisLogWriter {
    return new RedisLogWriter(this.redis, this.archive, buildId, {
      run,
      key: this.keyOf(buildId),
      secrets: secretsToMask([...this.options.secrets, ...secrets]),
      maxBytes: this.options.maxBytes,
      flushIntervalMs: this.options.flushIntervalMs ?? 100,
      liveTtlSeconds: 24 * 60 * 60,
      closedTtlSeconds: this.options.closedTtlSeconds ?? 10 * 60,
    });
  }

  /**
   * What is logged already (XRANGE), then what the build's shared reader delivers (one XREAD
   * loop per build in this process, however many follow it), skipping by id what both gave.
   */
  async *follow(buildId: number, signal: AbortSignal): AsyncIterable<string> {
    if (signal.aborted || this.stopped) return;
    const key = this.keyOf(buildId);
    if (((await this.redis.xlen(key)) ?? 0) === 0) {
      const archived = await this.archive.read(buildId);
      if (archived !== undefined) return yield* splitLines(archived);
    }
    let follower: ReaderFollower | undefined;
    try {
      follower = await this.readerOf(buildId).join();
      let lastId = '0-0';
      let batch: ReaderEvent | undefined = { entries: (await this.redis.xrange(key, '-', '+')) as StreamEntry[] };
      while (batch && !signal.aborted) {
        if ('failed' in batch) throw batch.failed;
        if ('ended' in batch) {
          // nothing was ever streamed: the build finished before it logged (cancelled while queued)
          if (batch.ended === 'finished' && lastId === '0-0') yield* splitLines((await this.archive.read(buildId)) ?? '');
          return;
        }
        for (const entry of batch.entries) {
          if (!streamIdAfter(entry[0], lastId)) continue;
          lastId = entry[0];
          const event = eventOf(entry);
          if ('end' in event) return;
          yield event.line;
        }
        batch = await follower.next(signal);
      }
    } catch (err) {
      if (!signal.aborted && !this.stopped) throw err;
    } finally {
      follower?.leave();
    }
  }

  /** The build's shared reader in this process, made on first use; it goes when its last follower does. */
  private readerOf(buildId: number): SharedLogReader {
    const existing = this.readers.get(buildId);
    if (existing) return existing;
    const reader = new SharedLogReader(this.redis, this.events, buildId, this.keyOf(buildId), {
      blockMs: this.options.blockMs ?? 1000,
      finishGraceMs: this.options.finishGraceMs ?? 2000,
    }, (done) => {
      if (this.readers.get(buildId) === done) this.readers.delete(buildId);
    });
    this.readers.set(buildId, reader);
    return reader;
  }

  /** How many builds this process reads live (one Redis connection each). */
  get liveReaders(): number {
    return this.readers.size;
  }

  /** A stream without its end marker is a run in progress (maybe a retry): it wins over an archived log. */
  async read(buildId: number): Promise<string> {
    const entries = (await this.redis.xrange(this.keyOf(buildId), '-', '+')) as StreamEntry[];
    const events = entries.map(eventOf);
    const live = events.length > 0 && !('end' in events[events.length - 1]);
    const archived = live ? undefined : await this.archive.read(buildId);
    return archived ?? joinLines(events.flatMap((event) => ('line' in event ? [event.line] : [])));
  }

  /** Ends every follow in progress (at shutdown). */
  disconnectFollowers(): void {
    this.stopped = true;
    for (const reader of [...this.readers.values()]) reader.stop();
  }

  private keyOf(buildId: number): string {
    return redisKey(this.options.prefix, 'log', buildId);
  }
}
