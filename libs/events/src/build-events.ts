import type { BuildStatus } from '@drydock/core';

/**
 * What happens to builds, on one channel: the live-log stream, the log follower and the
 * cancel listener subscribe here instead of polling the store, and later deploy hooks and
 * notifications can too.
 * - `build.created`: a build was stored (queued, or blocked waiting for approval)
 * - `build.changed`: a build's stored status changed (queued -> running, a step finished, ...)
 * - `build.finished`: a build reached a final status; its log is stored by then
 * - `build.cancel_requested`: the API cancelled a build; whichever worker runs it stops it
 */
export type BuildEventMessage =
  | { type: 'build.created'; buildId: number; status: BuildStatus }
  | { type: 'build.changed'; buildId: number; status: BuildStatus }
  | { type: 'build.finished'; buildId: number; status: BuildStatus }
  | { type: 'build.cancel_requested'; buildId: number };

export type BuildEventHandler = (event: BuildEventMessage) => void;

/**
 * The build-events channel. `publish` delivers to every subscriber of every process that
 * shares the channel (at most once; a subscriber that was not connected misses it, so
 * readers that must not miss the end also check stored state once after subscribing).
 * `subscribe` resolves once the subscription is live; the function it returns ends it
 * and is idempotent. Publishing never throws for want of subscribers; it rejects with
 * `DrydockError('infrastructure')` when the channel is unreachable.
 */
export interface BuildEvents {
  publish(event: BuildEventMessage): Promise<void>;
  subscribe(handler: BuildEventHandler): Promise<() => Promise<void>>;
}

export const BUILD_EVENTS = Symbol('BuildEvents');
