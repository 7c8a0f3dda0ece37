import { Controller, Get, Headers, Inject, Param, ParseIntPipe, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { isFinal, type Build } from '@drydock/core';
import { BUILD_LOGS, type BuildLogs } from '@drydock/logs';
import { BuildsService } from './builds.service.js';

@ApiTags('builds')
@Controller('api/builds')
export class BuildLogsController {
  constructor(
    private readonly builds: BuildsService,
    @Inject(BUILD_LOGS) private readonly buildLogs: BuildLogs,
  ) {}

  @Get(':id/logs')
  @ApiOperation({ summary: 'The log as text, or with Accept: text/event-stream a live stream that ends with the build' })
  @ApiProduces('text/plain', 'text/event-stream')
  async logs(@Param('id', ParseIntPipe) id: number, @Headers('accept') accept: string | undefined, @Res() res: Response): Promise<void> {
    await this.builds.get(id); // 404 for an unknown build
    if (!accept?.includes('text/event-stream')) {
      res.type('text/plain; charset=utf-8').send(await this.buildLogs.read(id));
      return;
    }
    await this.stream(id, res);
  }

  /** The worker stores the log just before the final status: give it a moment to land. */
  private async settled(id: number): Promise<Build> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const build = await this.builds.get(id);
      if (isFinal(build.status) || Date.now() > deadline) return build;
      await new Promise((resolve) => setTimeout(resolve, 100));
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
      for await (const line of this.buildLogs.follow(id, closed.signal)) res.write(`data: ${line.replace(/\r/g, "")}\n\n`);
      if (!closed.signal.aborted) {
        const build = await this.settled(id);
        res.write(`event: end\ndata: ${JSON.stringify({ status: build.status })}\n\n`);
      }
    } finally {
      clearInterval(keepAlive);
      res.end();
    }
  }
}
