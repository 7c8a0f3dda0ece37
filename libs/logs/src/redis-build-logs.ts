import type { Redis } from 'ioredis';
import type { BuildEvents } from '@drydock/events';
import { redisKey, type RedisPrefix } from '@drydock/redis';
import type { BuildLogs } from './build-logs.js';
import type { LogArchive } from './log-archive.js';
import { eventOf, type StreamEntry } from './log-stream.js';
import { joinLines, secretsToMask } from './log-text.js';
import { followLogStream } from './redis-log-follower.js';
import { RedisLogWriter } from './redis-log-writer.js';

export interface RedisBuildLogsOptions {
  /** Masked in every log (AppConfig.secrets). */
  secrets: readonly string[];
  /** AppConfig.logMaxBytes */
  maxBytes: number;
  /** The instance's key prefix (AppConfig.redisPrefix): a build's stream is `<prefix>:log:<id>`. */
  prefix: RedisPrefix;
  flushIntervalMs?: number;
  /** See FollowOptions. */
  blockMs?: number;
  finishGraceMs?: number;
  closedTtlSeconds?: number;
}

export interface RedisBuildLogsDeps {
  /** For XADD/XRANGE; each follow blocks on its own `duplicate()`. */
  redis: Redis;
  archive: LogArchive;
  /** A follow ends on `build.finished` when its log is never closed. */
  events: BuildEvents;
}

/** BuildLogs on Redis streams (live) and a LogArchive (kept). See BuildLogs for the contract. */
export class RedisBuildLogs implements BuildLogs {
  /** How to disconnect each follow in progress. */
  private readonly followers = new Set<() => void>();
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

  open(buildId: number, secrets: readonly string[] = []): RedisLogWriter {
    return new RedisLogWriter(this.redis, this.archive, buildId, {
      key: this.keyOf(buildId),
      secrets: secretsToMask([...this.options.secrets, ...secrets]),
      maxBytes: this.options.maxBytes,
      flushIntervalMs: this.options.flushIntervalMs ?? 100,
      liveTtlSeconds: 24 * 60 * 60,
      closedTtlSeconds: this.options.closedTtlSeconds ?? 10 * 60,
    });
  }

  async *follow(buildId: number, signal: AbortSignal): AsyncIterable<string> {
    if (signal.aborted || this.stopped) return;
    let finished = false;
    const unsubscribe = await this.events.subscribe((event) => {
      if (event.type === 'build.finished' && event.buildId === buildId) finished = true;
    });
    const connection = this.redis.duplicate();
    connection.on('error', () => undefined); // a failed read rejects the follow; no unhandled 'error' event
    // once only: a second disconnect() of an ending connection leaves a 2 s timer behind
    let disconnected = false;
    const disconnect = () => {
      if (!disconnected) connection.disconnect();
      disconnected = true;
    };
    signal.addEventListener('abort', disconnect, { once: true });
    this.followers.add(disconnect);
    try {
      yield* followLogStream(connection, this.archive, buildId, this.keyOf(buildId), signal, {
        blockMs: this.options.blockMs ?? 1000,
        finishGraceMs: this.options.finishGraceMs ?? 2000,
        finished: () => finished,
      });
    } catch (err) {
      if (!signal.aborted && !this.stopped) throw err;
    } finally {
      signal.removeEventListener('abort', disconnect);
      this.followers.delete(disconnect);
      disconnect();
      await unsubscribe();
    }
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
    for (const disconnect of this.followers) disconnect();
  }

  private keyOf(buildId: number): string {
    return redisKey(this.options.prefix, 'log', buildId);
  }
}
