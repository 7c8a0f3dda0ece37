import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { EventsModule } from '@drydock/events';
import { GitModule } from '@drydock/git';
import { GitHubModule } from '@drydock/github';
import { LogsModule } from '@drydock/logs';
import { QueueModule } from '@drydock/queue';
import { StoreModule } from '@drydock/store';
import { BadgeController } from './badges/badge.controller.js';
import { BuildLogsController } from './builds/build-logs.controller.js';
import { BuildLogsService } from './builds/build-logs.service.js';
import { BuildsController } from './builds/builds.controller.js';
import { BuildsService } from './builds/builds.service.js';
import { DashboardController } from './dashboard/dashboard.controller.js';
import { EventsStreamController } from './events/events-stream.controller.js';
import { HealthController } from './health/health.controller.js';
import { HealthService } from './health/health.service.js';
import { ApiTokenGuard } from './http/api-token.guard.js';
import { HttpErrorFilter } from './http/http-errors.js';
import { OverviewService } from './overview/overview.service.js';
import { QueueController } from './overview/queue.controller.js';
import { ReposController } from './overview/repos.controller.js';
import { GithubWebhookController } from './webhooks/github-webhook.controller.js';

/** The HTTP side: webhooks in, build history and control out. Expects ConfigModule from the root. */
@Module({
  imports: [StoreModule, EventsModule, LogsModule, QueueModule, GitHubModule, GitModule],
  controllers: [GithubWebhookController, BuildsController, BuildLogsController, HealthController, DashboardController, BadgeController, EventsStreamController, ReposController, QueueController],
  providers: [
    BuildsService,
    BuildLogsService,
    HealthService,
    OverviewService,
    { provide: APP_GUARD, useClass: ApiTokenGuard },
    { provide: APP_FILTER, useClass: HttpErrorFilter },
  ],
})
export class ApiModule {}
