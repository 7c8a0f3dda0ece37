import type { Redis } from 'ioredis';
import type { BuildStore } from '@drydock/store';
import type { BuildLogs } from './build-logs.js';
import { DEFAULT_KEY_PREFIX, eventOf, type StreamEntry } from './log-stream.js';
import { joinLines, secretsToMask } from './log-text.js';
import { followLogStream } from './redis-log-follower.js';
import { RedisLogWriter } from './redis-log-writer.js';

export interface RedisBuildLogsOptions {
  /** Masked in every log (AppConfig.secrets). */
  secrets: readonly string[];
  /** AppConfig.logMaxBytes */
  maxBytes: number;
  /** Stream key prefix; tests use their own so they cannot meet another run's builds. */
  keyPrefix?: string;
  flushIntervalMs?: number;
  statusPollMs?: number;
  closedTtlSeconds?: number;
}

/** BuildLogs on Redis streams (live) and the BuildStore (kept). See BuildLogs for the contract. */
export class RedisBuildLogs implements BuildLogs {
  /** How to disconnect each follow in progress. */
  private readonly followers = new Set<() => void>();
  private readonly keyPrefix: string;
  private stopped = false;

  constructor(
    private readonly redis: Redis,
    private readonly store: BuildStore,
    private readonly options: RedisBuildLogsOptions,
  ) {
    this.keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  }

  open(buildId: number, secrets: readonly string[] = []): RedisLogWriter {
    return new RedisLogWriter(this.redis, this.store, buildId, {
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
      const statusPollMs = this.options.statusPollMs ?? 3000;
      yield* followLogStream(connection, this.store, buildId, this.keyOf(buildId), signal, { statusPollMs });
    } catch (err) {
      if (!signal.aborted && !this.stopped) throw err;
    } finally {
      signal.removeEventListener('abort', disconnect);
      this.followers.delete(disconnect);
      disconnect();
    }
  }

  /** A stream without its end marker is a run in progress (maybe a retry): it wins over a stored log. */
  async read(buildId: number): Promise<string> {
    const entries = (await this.redis.xrange(this.keyOf(buildId), '-', '+')) as StreamEntry[];
    const events = entries.map(eventOf);
    const live = events.length > 0 && !('end' in events[events.length - 1]);
    const stored = live ? undefined : await this.store.readLog(buildId);
    return stored ?? joinLines(events.flatMap((event) => ('line' in event ? [event.line] : [])));
  }

  /** Ends every follow in progress (at shutdown). */
  disconnectFollowers(): void {
    this.stopped = true;
    for (const disconnect of this.followers) disconnect();
  }

  private keyOf(buildId: number): string {
    return `${this.keyPrefix}${buildId}`;
  }
}
