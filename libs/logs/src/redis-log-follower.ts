import type { Redis } from 'ioredis';
import { isFinal } from '@drydock/core';
import type { BuildStore } from '@drydock/store';
import { eventOf, type StreamEntry } from './log-stream.js';
import { splitLines } from './log-text.js';

export interface FollowOptions {
  /** How long one XREAD blocks; after an empty wait the build's status is re-checked. */
  statusPollMs: number;
}

/**
 * Follows one build's log stream on a dedicated connection (XREAD BLOCK holds it):
 * what is there already (XRANGE), then new entries until the end marker. A build found
 * finished without a stream yields its stored log. A build that stays finished for two
 * status checks without an end marker (its worker died) ends the follow too.
 * Aborting is the caller's job: disconnecting `connection` ends the pending read.
 */
export async function* followLogStream(
  connection: Redis,
  store: BuildStore,
  buildId: number,
  key: string,
  signal: AbortSignal,
  { statusPollMs }: FollowOptions,
): AsyncGenerator<string> {
  const existing = (await connection.xrange(key, '-', '+')) as StreamEntry[];
  if (existing.length === 0) {
    const build = await store.get(buildId);
    if (build === undefined) return;
    if (isFinal(build.status)) return yield* storedLines(store, buildId);
  }
  let lastId = '0-0';
  let finishedChecks = 0;
  let entries = existing;
  while (!signal.aborted) {
    for (const entry of entries) {
      lastId = entry[0];
      const event = eventOf(entry);
      if ('end' in event) return;
      yield event.line;
    }
    const reply = await connection.xread('COUNT', 1000, 'BLOCK', statusPollMs, 'STREAMS', key, lastId);
    entries = (reply?.[0]?.[1] ?? []) as StreamEntry[];
    if (entries.length > 0) {
      finishedChecks = 0;
      continue;
    }
    const build = await store.get(buildId);
    finishedChecks = build === undefined || isFinal(build.status) ? finishedChecks + 1 : 0;
    if (finishedChecks >= 2) {
      if (lastId === '0-0') yield* storedLines(store, buildId);
      return;
    }
  }
}

async function* storedLines(store: BuildStore, buildId: number): AsyncGenerator<string> {
  yield* splitLines((await store.readLog(buildId)) ?? '');
}
