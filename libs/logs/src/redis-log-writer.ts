import type { ChainableCommander, Redis } from 'ioredis';
import { DrydockError, messageOf } from '@drydock/core';
import type { BuildLogWriter } from './build-logs.js';
import type { LogArchive } from './log-archive.js';
import { END_FIELD, execAll, LINE_FIELD } from './log-stream.js';
import { maskPrepared } from '@drydock/core';
import { CappedLog } from './log-text.js';

export interface LogWriterOptions {
  key: string;
  secrets: readonly string[];
  maxBytes: number;
  flushIntervalMs: number;
  /** TTL of the stream while the build runs: a safety net for a worker that dies mid-build. */
  liveTtlSeconds: number;
  /** TTL of the stream once closed: followers that are late still catch the end. */
  closedTtlSeconds: number;
}

/** A partial line longer than this is published as a line rather than buffered forever. */
const MAX_PARTIAL_LINE = 64 * 1024;

/**
 * Writes one build's log: masks and caps each complete line, batches the stream XADDs
 * (one pipeline per flush interval, in order), keeps the text for `close` to archive.
 * Streaming errors do not interrupt the build; `close` archives the log, then reports them.
 * Opening a build's log again (a retry) starts its stream and stored log afresh.
 */
export class RedisLogWriter implements BuildLogWriter {
  private readonly log: CappedLog;
  private pending: string[] = [];
  private partial = '';
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  private streamError: unknown;
  private closing: Promise<void> | undefined;
  private started = false;

  constructor(
    private readonly redis: Redis,
    private readonly archive: LogArchive,
    private readonly buildId: number,
    private readonly options: LogWriterOptions,
  ) {
    this.log = new CappedLog(options.maxBytes);
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

  private accept(line: string): void {
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
        .then(() => this.send(batch))
        .catch((err: unknown) => {
          this.streamError ??= err;
        });
    }
    return this.sending;
  }

  private async send(batch: string[]): Promise<void> {
    const { key, liveTtlSeconds } = this.options;
    const pipeline = this.startBatch(this.redis.pipeline());
    for (const line of batch) pipeline.xadd(key, '*', LINE_FIELD, line);
    pipeline.expire(key, liveTtlSeconds);
    await execAll(pipeline, `streaming log of build ${this.buildId}`);
  }

  /** The first batch replaces what an earlier run of the same build (a retry) left in the stream. */
  private startBatch(batch: ChainableCommander): ChainableCommander {
    if (this.started) return batch;
    this.started = true;
    return batch.del(this.options.key);
  }

  private async finish(): Promise<void> {
    if (this.partial !== '') this.accept(this.partial);
    this.partial = '';
    await this.flush();
    try {
      await this.archive.save(this.buildId, this.log.text());
    } finally {
      await this.endStream();
    }
    if (this.streamError !== undefined) {
      throw new DrydockError(
        'infrastructure',
        `log of build ${this.buildId} was stored but not fully streamed: ${messageOf(this.streamError)}`,
        { cause: this.streamError },
      );
    }
  }

  private async endStream(): Promise<void> {
    const { key, closedTtlSeconds } = this.options;
    try {
      const end = this.startBatch(this.redis.multi()).xadd(key, '*', END_FIELD, '1').expire(key, closedTtlSeconds);
      await execAll(end, 'ending log');
    } catch (err) {
      this.streamError ??= err;
    }
  }
}
