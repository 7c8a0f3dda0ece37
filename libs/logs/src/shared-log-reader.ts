import type { Redis } from 'ioredis';
import type { BuildEvents } from '@drydock/events';
import { eventOf, type StreamEntry } from './log-stream.js';

/** Why a reader stopped: the end marker passed, `build.finished` without one (a dead worker), shutdown or idleness, or a failed read. */
export type ReaderEnd = { ended: 'marker' | 'finished' | 'stopped' } | { failed: unknown };
export type ReaderEvent = { entries: StreamEntry[] } | ReaderEnd;

export interface SharedLogReaderOptions {
  /** How long one XREAD blocks before looking again whether `build.finished` came. */
  blockMs: number;
  /** After `build.finished`, how long the end marker may still take before the reader ends without it. */
  finishGraceMs: number;
}

/**
 * The one blocking reader of a build's log stream in this process: one connection and one
 * XREAD loop, whatever the number of followers, each of which gets every entry that arrives
 * after `join` resolved (followers read what came before with XRANGE themselves, then skip
 * by id what they saw twice). It ends after the end marker, after `build.finished` plus the
 * grace with nothing new, on `stop`, or when its last follower leaves (`onDone` is told each time).
 */
export class SharedLogReader {
  private readonly followers = new Set<ReaderFollower>();
  private connection: Redis | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;
  private finished = false;
  private done = false;
  private starting: Promise<string> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly events: BuildEvents,
    private readonly buildId: number,
    private readonly key: string,
    private readonly options: SharedLogReaderOptions,
    private readonly onDone: (reader: SharedLogReader) => void,
  ) {}

  /** A new follower; resolves once the loop's starting point is fixed, so nothing after it is missed. */
  async join(): Promise<ReaderFollower> {
    const follower = new ReaderFollower(() => this.leave(follower));
    this.followers.add(follower);
    try {
      this.starting ??= this.start();
      await this.starting;
    } catch (err) {
      follower.leave();
      throw err;
    }
    return follower;
  }

  /** Ends the loop and every follower (at shutdown). */
  stop(): void {
    this.finish({ ended: 'stopped' });
  }

  private async start(): Promise<string> {
    const unsubscribe = await this.events.subscribe((event) => {
      if (event.type === 'build.finished' && event.buildId === this.buildId) this.finished = true;
    });
    this.unsubscribe = unsubscribe;
    if (this.done) {
      await unsubscribe();
      throw new Error('log reader stopped');
    }
    const last = (await this.redis.xrevrange(this.key, '+', '-', 'COUNT', 1)) as StreamEntry[];
    const from = last[0]?.[0] ?? '0-0';
    if (this.done) throw new Error('log reader stopped');
    this.connection = this.redis.duplicate();
    this.connection.on('error', () => undefined); // a failed read ends the loop; no unhandled 'error' event
    void this.loop(this.connection, from);
    return from;
  }

  private async loop(connection: Redis, from: string): Promise<void> {
    let lastId = from;
    try {
      while (!this.done) {
        const finishing = this.finished;
        const block = finishing ? this.options.finishGraceMs : this.options.blockMs;
        const reply = await connection.xread('COUNT', 1000, 'BLOCK', block, 'STREAMS', this.key, lastId);
        const entries = (reply?.[0]?.[1] ?? []) as StreamEntry[];
        if (this.done) return;
        if (entries.length > 0) {
          lastId = entries[entries.length - 1][0];
          for (const follower of this.followers) follower.push({ entries });
          if (entries.some((entry) => 'end' in eventOf(entry))) return this.finish({ ended: 'marker' });
        } else if (finishing) {
          return this.finish({ ended: 'finished' });
        }
      }
    } catch (err) {
      this.finish(this.done ? { ended: 'stopped' } : { failed: err });
    }
  }

  private leave(follower: ReaderFollower): void {
    this.followers.delete(follower);
    if (this.followers.size === 0) this.finish({ ended: 'stopped' });
  }

  private finish(end: ReaderEnd): void {
    if (this.done) return;
    this.done = true;
    this.onDone(this);
    for (const follower of this.followers) follower.push(end);
    this.followers.clear();
    this.connection?.disconnect();
    void this.unsubscribe?.().catch(() => undefined);
  }
}

/** One follower's queue of what the shared reader delivered. */
export class ReaderFollower {
  private readonly queue: ReaderEvent[] = [];
  private wake: (() => void) | undefined;
  private left = false;

  constructor(private readonly onLeave: () => void) {}

  push(event: ReaderEvent): void {
    this.queue.push(event);
    this.wake?.();
  }

  /** The next delivery; undefined once `signal` aborts. */
  async next(signal: AbortSignal): Promise<ReaderEvent | undefined> {
    while (this.queue.length === 0) {
      if (signal.aborted) return undefined;
      await new Promise<void>((resolve) => {
        const wake = () => {
          signal.removeEventListener('abort', wake);
          this.wake = undefined;
          resolve();
        };
        this.wake = wake;
        signal.addEventListener('abort', wake, { once: true });
      });
    }
    return this.queue.shift();
  }

  /** Idempotent. */
  leave(): void {
    if (this.left) return;
    this.left = true;
    this.onLeave();
  }
}

/** Whether stream id `a` (`<ms>-<seq>`) comes after `b`. */
export function streamIdAfter(a: string, b: string): boolean {
  const [aMs, aSeq] = a.split('-').map(BigInt);
  const [bMs, bSeq] = b.split('-').map(BigInt);
  return aMs > bMs || (aMs === bMs && aSeq > bSeq);
}
