import 'reflect-metadata';
import { getQueueToken } from '@nestjs/bullmq';
import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { ConfigModule, describeApiTokenOrigin, loadConfig, withApiToken } from '@drydock/config';
import { BUILD_QUEUE } from '@drydock/queue';
import { logRedisErrors, waitForRedis } from '@drydock/redis';
import { BuildProcessor } from './build.processor.js';
import { shutDownGracefully, workerDrain } from './graceful-shutdown.js';
import { WorkerModule } from './worker.module.js';

/**
 * A worker process: no HTTP, just queue jobs -> builds (`npm run start:worker`). It may start
 * before Redis or the database answer: it waits for Redis here and for the database in
 * StoreModule, with backoff, saying so in the log, and only then takes jobs.
 */
async function bootstrap(): Promise<void> {
  // The worker masks the API token too, so it reads (or makes) the same one as the API.
  const { config, origin } = withApiToken(loadConfig());
  const logger = new Logger('Drydock');
  // Before Nest: BullMQ's worker and the reconciler would otherwise start against a Redis that is not there.
  await waitForRedis(config.redisUrl, { log: (line) => logger.warn(line) });

  @Module({ imports: [ConfigModule.forRoot(config), WorkerModule] })
  class RootModule {}

  // Logs unbuffered: a wait for the database during start-up is told while it lasts.
  const app = await NestFactory.createApplicationContext(RootModule);
  const say = (line: string) => new Logger('Drydock').log(line);
  shutDownGracefully(app, { graceMs: config.shutdownGraceSeconds * 1000, drains: [workerDrain(app, say)], log: say });
  // Redis going away later: one warning per problem while BullMQ reconnects, not a stack trace per attempt.
  const warn = (line: string) => new Logger('Redis').warn(line);
  logRedisErrors(app.get<Queue>(getQueueToken(BUILD_QUEUE), { strict: false }), 'queue', config.redisUrl, warn);
  logRedisErrors(app.get(BuildProcessor, { strict: false }).worker, 'worker', config.redisUrl, warn);
  logger.log(describeApiTokenOrigin(origin));
  logger.log(`worker running ${config.concurrency} build(s) at once`);
}

bootstrap().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
