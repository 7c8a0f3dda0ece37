import 'reflect-metadata';
import { Logger, Module, type DynamicModule, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express from 'express';
import { ConfigModule, describeApiTokenOrigin, loadConfig, withApiToken } from '@drydock/config';
import { httpDrain, shutDownGracefully, workerDrain } from '../../worker/src/graceful-shutdown.js';
import { WorkerModule } from '../../worker/src/worker.module.js';
import { ApiModule } from './api.module.js';
import { apiDocsTokenMiddleware } from './http/api-token.guard.js';

/** `node main.js` serves the API; `--with-worker` also runs builds in the same process (`npm start`). */
async function bootstrap(): Promise<void> {
  const { config, origin } = withApiToken(loadConfig());
  const withWorker = process.argv.includes('--with-worker');
  const roles: Array<Type | DynamicModule> = [ApiModule, ...(withWorker ? [WorkerModule] : [])];

  @Module({ imports: [ConfigModule.forRoot(config), ...roles] })
  class RootModule {}

  const app = await NestFactory.create(RootModule, { bodyParser: false, bufferLogs: true });
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
  new Logger('Drydock').log(describeApiTokenOrigin(origin));
  new Logger('Drydock').log(`API listening on :${config.port}${withWorker ? ' with a worker' : ''}`);
}

bootstrap().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
