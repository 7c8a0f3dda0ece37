import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { APP_CONFIG, type AppConfig } from '@drydock/config';
import type { Build } from '@drydock/core';
import type { QueueView } from '@drydock/store';
import { buildJson } from '../builds/build-json.js';
import { OverviewService, QUEUE_LIST_LIMIT } from './overview.service.js';

@ApiTags('builds')
@Controller('api/queue')
export class QueueController {
  private readonly json: (build: Build) => Build;

  constructor(
    private readonly overview: OverviewService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.json = (build) => buildJson(build, config.secrets);
  }

  @Get()
  @ApiOperation({ summary: `Waiting (blocked and queued) and running builds, oldest first, at most ${QUEUE_LIST_LIMIT} each, and how many builds each worker (hostname/pid) runs` })
  async queue(): Promise<QueueView> {
    const view = await this.overview.queue();
    return { queued: view.queued.map(this.json), running: view.running.map(this.json), workers: view.workers };
  }
}
