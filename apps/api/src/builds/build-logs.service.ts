import { Inject, Injectable } from '@nestjs/common';
import { isFinal, type BuildStatus } from '@drydock/core';
import { BUILD_EVENTS, type BuildEvents } from '@drydock/events';
import { BUILD_LOGS, type BuildLogs } from '@drydock/logs';
import { BuildsService } from './builds.service.js';

export type LogStreamEvent = { line: string } | { end: BuildStatus };

/** Live log streams one API process serves at once (all builds together); past it a request is refused with 429. */
export const MAX_LOG_STREAMS = 100;
/** How long a follow may outlive its build's end (it normally ends by itself, on the log's end). */
const FOLLOW_GRACE_MS = 5000;
/** How long the final status may take to follow the log's end (the log is stored first). */
const SETTLE_MS = 5000;

/** A build's log for the API: the whole text, or a live follow that ends with the build's final status. */
@Injectable()
export class BuildLogsService {
  private openStreams = 0;

  constructor(
    @Inject(BuildsService) private readonly builds: Pick<BuildsService, 'get'>,
    @Inject(BUILD_LOGS) private readonly logs: BuildLogs,
    @Inject(BUILD_EVENTS) private readonly events: BuildEvents,
  ) {}

  /**
   * Takes one of the process's MAX_LOG_STREAMS live-stream slots: resolves with its release
   * (idempotent), or null when all are taken. Streams of one build share one Redis reader;
   * the cap bounds the readers and sockets all builds together hold.
   */
  reserveStream(limit = MAX_LOG_STREAMS): (() => void) | null {
    if (this.openStreams >= limit) return null;
    this.openStreams++;
    let released = false;
    return () => {
      if (!released) this.openStreams--;
      released = true;
    };
  }

  async text(id: number): Promise<string> {
    await this.builds.get(id); // not_found for an unknown build
    return this.logs.read(id);
  }

  /**
   * The log's lines as they come, then `{ end: status }` once the build has finished; nothing
   * more once `signal` aborts. Subscribes to `build.finished` before it looks at the stored
   * build once, so the end cannot slip between the two.
   */
  async *follow(id: number, signal: AbortSignal): AsyncGenerator<LogStreamEvent> {
    let finished!: (status: BuildStatus) => void;
    const finishedStatus = new Promise<BuildStatus>((resolve) => (finished = resolve));
    const unsubscribe = await this.events.subscribe((event) => {
      if (event.type === 'build.finished' && event.buildId === id) finished(event.status);
    });
    const following = new AbortController();
    const stop = () => following.abort();
    signal.addEventListener('abort', stop, { once: true });
    let bound: NodeJS.Timeout | undefined;
    try {
      const stored = await this.builds.get(id);
      const done = isFinal(stored.status) ? Promise.resolve(stored.status) : finishedStatus;
      void done.then(() => (bound = setTimeout(stop, FOLLOW_GRACE_MS)));
      for await (const line of this.logs.follow(id, following.signal)) yield { line };
      if (signal.aborted) return;
      const status = (await within(done, SETTLE_MS)) ?? (await this.builds.get(id)).status;
      yield { end: status };
    } finally {
      clearTimeout(bound);
      signal.removeEventListener('abort', stop);
      await unsubscribe();
    }
  }
}

function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
