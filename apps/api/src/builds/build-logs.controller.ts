import { Controller, Get, Headers, Param, ParseIntPipe, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { BuildLogsService, MAX_LOG_STREAMS } from './build-logs.service.js';
import { BuildsService } from './builds.service.js';

@ApiTags('builds')
@Controller('api/builds')
export class BuildLogsController {
  constructor(
    private readonly builds: BuildsService,
    private readonly buildLogs: BuildLogsService,
  ) {}

  @Get(':id/logs')
  @ApiOperation({ summary: 'The log as text, or with Accept: text/event-stream a live stream that ends with the build' })
  @ApiProduces('text/plain', 'text/event-stream')
  async logs(@Param('id', ParseIntPipe) id: number, @Headers('accept') accept: string | undefined, @Res() res: Response): Promise<void> {
    if (!accept?.includes('text/event-stream')) {
      res.type('text/plain; charset=utf-8').send(await this.buildLogs.text(id));
      return;
    }
    await this.builds.get(id); // 404 for an unknown build, before the stream starts
    const release = this.buildLogs.reserveStream();
    if (!release) {
      res.status(429).set('Retry-After', '10').type('text/plain; charset=utf-8');
      res.send(`too many live log streams on this server (at most ${MAX_LOG_STREAMS}): try again later, or read the log as text without Accept: text/event-stream\n`);
      return;
    }
    try {
      await this.stream(id, res);
    } finally {
      release();
    }
  }

  /** Server-sent events: one `data:` per log line, then `event: end` with the build's status. */
  private async stream(id: number, res: Response): Promise<void> {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
    const closed = new AbortController();
    res.on('close', () => closed.abort());
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    try {
      for await (const event of this.buildLogs.follow(id, closed.signal)) {
        if ('line' in event) res.write(`data: ${event.line.replace(/\r/g, '')}\n\n`);
        else res.write(`event: end\ndata: ${JSON.stringify({ status: event.end })}\n\n`);
      }
    } finally {
      clearInterval(keepAlive);
      res.end();
    }
  }
}
