import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DrydockError, messageOf } from '@drydock/core';
import type { BuildLogWriter, LogRun } from './build-logs.js';
import type { LogArchive } from './log-archive.js';
import { eventOf, type StreamEntry } from './log-stream.js';
import { maskPrepared } from '@drydock/core';
import { CappedLog, joinLines } from './log-text.js';

export interface LogWriterOptions {
  key: string;
  secrets: readonly string[];
  maxBytes: number;
  flushIntervalMs: number;
  /** TTL of the stream while the build runs: a safety net for a worker that dies mid-build. */
  liveTtlSeconds: number;
  /** TTL of the stream once closed: followers that are late still catch the end. */
  closedTtlSeconds: number;
  /** The run writing (see BuildLogs); a writer without one is attempt 0 with an id of its own. */
  run?: LogRun;
}

/**
 * Every write to the stream goes through this script, fenced on the run that owns the log:
 * the guard key `<stream>:run` holds `<attempt> <run id>` of the writer that wrote last. A writer
 * of an earlier attempt gets 0 and writes nothing; another writer takes the log over, starting a
 * closed stream afresh and continuing an unclosed one (then it answers 2, else 1).
 * KEYS: stream, guard. ARGV: attempt, run id, ttl seconds, `end` or `lines`, the lines.
 */
const WRITE = `
local me = ARGV[1] .. ' ' .. ARGV[2]
local current = redis.call('get', KEYS[2])
local answer = 1
if current ~= me then
  if current then
    local attempt = tonumber(string.match(current, '^(%d+) '))
    if attempt and attempt > tonumber(ARGV[1]) then return 0 end
  end
  local last = redis.call('xrevrange', KEYS[1], '+', '-', 'COUNT', 1)
  if last[1] and last[1][2][1] == 'end' then
    redis.call('del', KEYS[1])
  elseif last[1] then
    answer = 2
  end
  redis.call('set', KEYS[2], me)
end
if ARGV[4] == 'end' then
  redis.call('xadd', KEYS[1], '*', 'end', '1')
else
  for i = 5, #ARGV do redis.call('xadd', KEYS[1], '*', 'l', ARGV[i]) end
end
redis.call('expire', KEYS[1], ARGV[3])
redis.call('expire', KEYS[2], ARGV[3])
return answer`;

/** A partial line longer than this is published as a line rather than buffered forever. */
const MAX_PARTIAL_LINE = 64 * 1024;

/**
 * Writes one build's log: masks and caps each complete line, batches the stream writes
 * (one script call per flush interval, in order), keeps the text for `close` to archive.
 * Streaming errors do not interrupt the build; `close` archives the log, then reports them.
 * Every write is fenced on the writer's run (see WRITE): once a later attempt wrote, this
 * writer drops everything, `close` included.
 */
export class RedisLogWriter implements BuildLogWriter {
  private readonly log: CappedLog;
  private readonly run: LogRun;
  private pending: string[] = [];
  private partial = '';
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  private streamError: unknown;
  private closing: Promise<void> | undefined;
  /** A later attempt owns the log: nothing more is written. */
  private fencedOut = false;
  /** This writer continued an earlier run's unclosed log: the archive holds that too. */
  private continued = false;

  constructor(
    private readonly redis: Redis,
    private readonly archive: LogArchive,
    private readonly buildId: number,
    private readonly options: LogWriterOptions,
  ) {
    this.log = new CappedLog(options.maxBytes);
    this.run = options.run ?? { id: randomUUID(), attempt: 0 };
  }

  line(text: string): void {
    this.write(`${text}\n`);
  }

  /** Raw output (chunks of a process's stdout): buffered up to each newline, so a secret split across chunks is still masked. */
  write(chunk: string): void {
    if (this.closing) return;
    const pieces = (this.partial + chunk).split('\n');
    this.partial = pieces.pop() ?? '';
    while (this.partial.length > MAX_PARTIAL_LINE) {
      pieces.push(this.partial.slice(0, MAX_PARTIAL_LINE));
      this.partial = this.partial.slice(MAX_PARTIAL_LINE);
    }
    for (const piece of pieces) this.accept(piece.endsWith('\r') ? piece.slice(0, -1) : piece);
  }

  close(): Promise<void> {
    this.closing ??= this.finish();
    return this.closing;
  }

  /** Never rejects: what could not be streamed is lost with the run. */
  abandon(): Promise<void> {
    this.closing ??= this.flushPartial();
    return this.closing;
  }

  private accept(line: string): void {
    if (this.fencedOut) return;
    this.pending.push(...this.log.add(maskPrepared(line, this.options.secrets)));
    this.timer ??= setTimeout(() => void this.flush(), this.options.flushIntervalMs);
  }

  private flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) {
      // chained, so batches reach the stream in the order they were written
      this.sending = this.sending
        .then(async () => {
          await this.send('lines', batch);
        })
        .catch((err: unknown) => {
          this.streamError ??= err;
        });
    }
    return this.sending;
  }

  private async flushPartial(): Promise<void> {
    if (this.partial !== '') this.accept(this.partial);
    this.partial = '';
    await this.flush();
  }

  /** One fenced write (see WRITE); false when a later attempt owns the log. */
  private async send(kind: 'lines' | 'end', lines: string[] = []): Promise<boolean> {
    if (this.fencedOut) return false;
    const { key } = this.options;
    const ttl = kind === 'end' ? this.options.closedTtlSeconds : this.options.liveTtlSeconds;
    try {
      const answer = await this.redis.eval(WRITE, 2, key, guardKeyOf(key), String(this.run.attempt), this.run.id, String(ttl), kind, ...lines);
      if (answer === 0) this.fencedOut = true;
      if (answer === 2) this.continued = true;
      return answer !== 0;
    } catch (err) {
      throw new DrydockError('infrastructure', `redis: ${kind === 'end' ? 'ending log' : `streaming log of build ${this.buildId}`}: ${messageOf(err)}`, { cause: err });
    }
  }

  private async finish(): Promise<void> {
    await this.flushPartial();
    if (this.fencedOut) return; // a later run owns the log: its end and archive are its own
    let ended = true;
    try {
      ended = await this.send('end');
    } catch (err) {
      this.streamError ??= err;
    }
    if (!ended) return;
    await this.archive.save(this.buildId, await this.archiveText());
    if (this.streamError !== undefined) throw this.notStreamed();
  }

  /** This writer's own text, or, when it continued an earlier run's log and the stream is whole, the stream's. */
  private async archiveText(): Promise<string> {
    if (!this.continued || this.streamError !== undefined) return this.log.text();
    try {
      const entries = (await this.redis.xrange(this.options.key, '-', '+')) as StreamEntry[];
      return joinLines(entries.map(eventOf).flatMap((event) => ('line' in event ? [event.line] : [])));
    } catch {
      return this.log.text();
    }
  }

  private notStreamed(): DrydockError {
    return new DrydockError('infrastructure', `log of build ${this.buildId} was stored but not fully streamed: ${messageOf(this.streamError)}`, {
      cause: this.streamError,
    });
  }
}

/** The key that says which run owns a build's log stream. */
export const guardKeyOf = (streamKey: string): string => `${streamKey}:run`;
