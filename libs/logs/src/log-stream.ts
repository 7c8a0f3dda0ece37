import type { ChainableCommander } from 'ioredis';
import { DrydockError } from '@drydock/core';

/**
 * The live log of a build is a Redis stream `<prefix>:log:<buildId>`: one entry per line
 * (field `l`), then one entry with field `end` when the writer closes.
 */
export const LINE_FIELD = 'l';
export const END_FIELD = 'end';

export type StreamEntry = [id: string, fields: string[]];

/** A line, or the end marker. */
export type LogEvent = { line: string } | { end: true };

export function eventOf([, fields]: StreamEntry): LogEvent {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === LINE_FIELD) return { line: fields[i + 1] };
    if (fields[i] === END_FIELD) return { end: true };
  }
  return { line: '' };
}

/** Runs a pipeline or transaction and throws the first command error it reports. */
export async function execAll(batch: ChainableCommander, what: string): Promise<void> {
  const results = await batch.exec();
  const failed = results?.find(([err]) => err !== null)?.[0];
  if (failed) throw new DrydockError('infrastructure', `redis: ${what}: ${failed.message}`, { cause: failed });
}
