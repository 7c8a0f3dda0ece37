import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DrydockError, type Build } from '@drydock/core';
import { InMemoryBuildEvents, InMemoryBuildLogs } from '@drydock/testing';
import { BuildLogsController } from './build-logs.controller.js';
import { BuildLogsService, MAX_LOG_STREAMS } from './build-logs.service.js';
import { BuildsService } from './builds.service.js';

describe('BuildLogsController: live streams are capped per process', () => {
  let app: INestApplication;
  let url: string;
  const streams: AbortController[] = [];

  beforeAll(async () => {
    const events = new InMemoryBuildEvents();
    const logs = new InMemoryBuildLogs({ events });
    logs.open(1).line('running');
    const get = async (id: number): Promise<Build> => {
      if (id !== 1) throw new DrydockError('not_found', `build ${id} not found`);
      return { id, status: 'running' } as Build;
    };
    const moduleRef = await Test.createTestingModule({
      controllers: [BuildLogsController],
      providers: [
        { provide: BuildsService, useValue: { get } },
        { provide: BuildLogsService, useValue: new BuildLogsService({ get }, logs, events) },
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    url = `${await app.getUrl()}/api/builds/1/logs`.replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    for (const stream of streams) stream.abort();
    await app.close();
  });

  const follow = async () => {
    const controller = new AbortController();
    streams.push(controller);
    const res = await fetch(url, { headers: { Accept: 'text/event-stream' }, signal: controller.signal });
    return { res, controller };
  };

  it(`serves ${MAX_LOG_STREAMS} streams, answers 429 past them, and frees a slot when a reader leaves`, async () => {
    const open = await Promise.all(Array.from({ length: MAX_LOG_STREAMS }, follow));
    expect(open.every(({ res }) => res.status === 200)).toBe(true);

    const refused = await follow();
    expect(refused.res.status).toBe(429);
    expect(await refused.res.text()).toContain('too many live log streams');
    const text = await fetch(url);
    expect(text.status).toBe(200); // the whole log as text is not a stream

    open[0].controller.abort();
    let again = await follow();
    for (let i = 0; i < 50 && again.res.status === 429; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      again = await follow();
    }
    expect(again.res.status).toBe(200);
  });
});
