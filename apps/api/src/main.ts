import 'reflect-metadata';
import { getQueueToken } from '@nestjs/bullmq';
import { Logger, Module, type DynamicModule, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Queue } from 'bullmq';
import express from 'express';
import { ConfigModule, describeApiTokenOrigin, loadConfig, withApiToken } from '@drydock/config';
import { BUILD_QUEUE } from '@drydock/queue';
import { logRedisErrors, waitForRedis } from '@drydock/redis';
import { BuildProcessor } from '../../worker/src/build.processor.js';
import { httpDrain, shutDownGracefully, workerDrain } from '../../worker/src/graceful-shutdown.js';
import { WorkerModule } from '../../worker/src/worker.module.js';
import { ApiModule } from './api.module.js';
import { apiDocsTokenMiddleware } from './http/api-token.guard.js';

/**
 * `node main.js` serves the API; `--with-worker` also runs builds in the same process (`npm start`).
 * The API may start before Redis or the database answer. It waits for the database (StoreModule)
 * but not for Redis: without Redis it still stores webhooks' builds (202; they are queued once
 * Redis is back) and /healthz says Redis is down. With a worker it waits for Redis first, as a worker does.
 */
async function bootstrap(): Promise<void> {
  const { config, origin } = withApiToken(loadConfig());
  const withWorker = process.argv.includes('--with-worker');
  if (withWorker) await waitForRedis(config.redisUrl, { log: (line) => new Logger('Drydock').warn(line) });
  const roles: Array<Type | DynamicModule> = [ApiModule, ...(withWorker ? [WorkerModule] : [])];

  @Module({ imports: [ConfigModule.forRoot(config), ...roles] })
  class RootModule {}

  // Logs unbuffered: a wait for the database during start-up is told while it lasts.
  const app = await NestFactory.create(RootModule, { bodyParser: false });
  // One warning per Redis problem while BullMQ reconnects, not a stack trace per attempt.
  const warn = (line: string) => new Logger('Redis').warn(line);
  logRedisErrors(app.get<Queue>(getQueueToken(BUILD_QUEUE), { strict: false }), 'queue', config.redisUrl, warn);
  // Webhook signatures are computed over the exact bytes GitHub sent.
  app.use('/webhooks', express.raw({ type: () => true, limit: '25mb' }));
  app.use(express.json({ limit: '1mb' }));
  app.use(apiDocsTokenMiddleware(config));
  SwaggerModule.setup('api/docs', app, () =>
    SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('Drydock').setDescription('Build history and control').addBearerAuth().build()),
  );
  const say = (line: string) => new Logger('Drydock').log(line);
  const drains = [httpDrain(app), ...(withWorker ? [workerDrain(app, say)] : [])];
  shutDownGracefully(app, { graceMs: config.shutdownGraceSeconds * 1000, drains, log: say });
  await app.listen(config.port);
  if (withWorker) logRedisErrors(app.get(BuildProcessor, { strict: false }).worker, 'worker', config.redisUrl, warn); // exists once initialised
  new Logger('Drydock').log(describeApiTokenOrigin(origin));
  new Logger('Drydock').log(`API listening on :${config.port}${withWorker ? ' with a worker' : ''}`);
}

bootstrap().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
