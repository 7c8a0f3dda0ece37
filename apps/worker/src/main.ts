import 'reflect-metadata';
import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigModule, describeApiTokenOrigin, loadConfig, withApiToken } from '@drydock/config';
import { shutDownGracefully, workerDrain } from './graceful-shutdown.js';
import { WorkerModule } from './worker.module.js';

/** A worker process: no HTTP, just queue jobs -> builds (`npm run start:worker`). */
async function bootstrap(): Promise<void> {
  // The worker masks the API token too, so it reads (or makes) the same one as the API.
  const { config, origin } = withApiToken(loadConfig());

  @Module({ imports: [ConfigModule.forRoot(config), WorkerModule] })
  class RootModule {}

  const app = await NestFactory.createApplicationContext(RootModule, { bufferLogs: true });
  const say = (line: string) => new Logger('Drydock').log(line);
  shutDownGracefully(app, { graceMs: config.shutdownGraceSeconds * 1000, drains: [workerDrain(app, say)], log: say });
  app.flushLogs(); // what start-up logged (the engine check's warning among it)
  new Logger('Drydock').log(describeApiTokenOrigin(origin));
  new Logger('Drydock').log(`worker running ${config.concurrency} build(s) at once`);
}

bootstrap().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
