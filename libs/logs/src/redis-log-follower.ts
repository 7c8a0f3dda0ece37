import type { Redis } from 'ioredis';
import type { LogArchive } from './log-archive.js';
import { eventOf, type StreamEntry } from './log-stream.js';
import { splitLines } from './log-text.js';

export interface FollowOptions {
  /** How long one XREAD blocks before looking again whether `build.finished` came. */
  blockMs: number;
  /** After `build.finished`, how long the end marker may still take before the follow ends without it. */
  finishGraceMs: number;
  /** True once `build.finished` arrived for this build (the caller subscribes before calling). */
  finished: () => boolean;
}

/**
 * Follows one build's log stream on a dedicated connection (XREAD BLOCK holds it):
 * what is there already (XRANGE), then new entries until the end marker. A build with no
 * stream and an archived log yields the archived log. After `build.finished`, a stream
 * that stays without its end marker for `finishGraceMs` (its worker died) ends the follow.
 * Aborting is the caller's job: disconnecting `connection` ends the pending read.
 */
export async function* followLogStream(
  connection: Redis,
  archive: LogArchive,
  buildId: number,
  key: string,
  signal: AbortSignal,
  { blockMs, finishGraceMs, finished }: FollowOptions,
): AsyncGenerator<string> {
  let entries = (await connection.xrange(key, '-', '+')) as StreamEntry[];
  if (entries.length === 0) {
    const archived = await archive.read(buildId);
    if (archived !== undefined) return yield* splitLines(archived);
  }
  let lastId = '0-0';
  while (!signal.aborted) {
    for (const entry of entries) {
      lastId = entry[0];
      const event = eventOf(entry);
      if ('end' in event) return;
      yield event.line;
    }
    const finishing = finished();
    const reply = await connection.xread('COUNT', 1000, 'BLOCK', finishing ? finishGraceMs : blockMs, 'STREAMS', key, lastId);
    entries = (reply?.[0]?.[1] ?? []) as StreamEntry[];
    if (entries.length === 0 && finishing) {
      // nothing was ever streamed: the build finished before it logged (cancelled while queued)
      if (lastId === '0-0') yield* splitLines((await archive.read(buildId)) ?? '');
      return;
    }
  }
}
