import { Module } from '@nestjs/common';
import { DockerModule } from '@drydock/docker';
import { EventsModule } from '@drydock/events';
import { GitModule } from '@drydock/git';
import { GitHubModule } from '@drydock/github';
import { LogsModule } from '@drydock/logs';
import { QueueModule } from '@drydock/queue';
import { StoreModule } from '@drydock/store';
import { BuildProcessor } from './build.processor.js';
import { CancelListener } from './cancel-listener.js';
import { engineCheckProvider } from './engine-check.js';
import { HookRedeliveryTimer } from './hook-redelivery-timer.js';
import { OutboxDeliveryTimer } from './outbox-delivery-timer.js';
import { pipelineDepsProvider } from './pipeline-deps.provider.js';
import { ReconcilerTimer } from './reconciler-timer.js';
import { RetentionTimer } from './retention/retention-timer.js';

/** The build side: queue jobs in, pipeline runs out. Expects ConfigModule from the root. */
@Module({
  imports: [StoreModule, EventsModule, LogsModule, QueueModule, GitHubModule, DockerModule, GitModule],
  providers: [engineCheckProvider, pipelineDepsProvider, BuildProcessor, CancelListener, ReconcilerTimer, RetentionTimer, OutboxDeliveryTimer, HookRedeliveryTimer],
})
export class WorkerModule {}
