import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { BUILD_EVENTS, type BuildEventMessage, type BuildEvents } from '@drydock/events';
import { StreamSlots } from './stream-slots.js';

/** Live event streams one API process serves at once; past it a request is refused with 429. */
export const MAX_EVENT_STREAMS = 100;

/** The `data:` line of an event the dashboard shows, or null for one it does not (cancel requests). */
export function eventStreamData(event: BuildEventMessage): string | null {
  if (event.type === 'build.cancel_requested') return null;
  return `data: ${JSON.stringify({ type: event.type, buildId: event.buildId, status: event.status })}\n\n`;
}

/**
 * `GET /api/events`: one server-sent-event stream of every build's changes (`build.created`,
 * `build.changed`, `build.finished`, each `{type, buildId, status}`; clients refetch the build),
 * with keep-alive comments, until the client goes. At most MAX_EVENT_STREAMS at once.
 */
@ApiTags('builds')
@Controller('api/events')
export class EventsStreamController {
  private readonly slots = new StreamSlots(MAX_EVENT_STREAMS);

  constructor(@Inject(BUILD_EVENTS) private readonly events: BuildEvents) {}

  @Get()
  @ApiOperation({ summary: "Server-sent events of every build's changes: build.created, build.changed, build.finished" })
  @ApiProduces('text/event-stream')
  async stream(@Res() res: Response): Promise<void> {
    const release = this.slots.reserve();
    if (!release) {
      res.status(429).set('Retry-After', '10').type('text/plain; charset=utf-8').send(`too many live event streams on this server (at most ${MAX_EVENT_STREAMS}): try again later\n`);
      return;
    }
    let unsubscribe: (() => Promise<void>) | undefined;
    let keepAlive: NodeJS.Timeout | undefined;
    let closed = false;
    const end = () => {
      closed = true;
      clearInterval(keepAlive);
      release();
      void unsubscribe?.();
    };
    res.on('close', end); // before subscribing: a client gone meanwhile still frees everything
    try {
      unsubscribe = await this.events.subscribe((event) => {
        const data = eventStreamData(event);
        if (data !== null) res.write(data);
      });
    } catch (err) {
      release();
      throw err;
    }
    if (closed) return void unsubscribe();
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.write(': connected\n\n');
    keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  }
}
