import { BUILD_STATUSES, type BuildStatus } from '@drydock/core';
import type { BuildEventMessage } from './build-events.js';

/** A message as received from another process: a BuildEventMessage, or undefined when malformed. */
export function parseBuildEvent(text: string): BuildEventMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { type, buildId, status } = value as Record<string, unknown>;
  if (typeof buildId !== 'number' || !Number.isSafeInteger(buildId) || buildId < 1) return undefined;
  if (type === 'build.cancel_requested') return { type, buildId };
  if ((type === 'build.created' || type === 'build.changed' || type === 'build.finished') && isStatus(status)) return { type, buildId, status };
  return undefined;
}

const isStatus = (value: unknown): value is BuildStatus => BUILD_STATUSES.some((status) => status === value);
