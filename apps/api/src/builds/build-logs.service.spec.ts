import { describe, expect, it } from '@jest/globals';
import { DrydockError, NO_BUILD_FACTS, type Build, type BuildStatus } from '@drydock/core';
import { InMemoryBuildEvents, InMemoryBuildLogs } from '@drydock/testing';
import { BuildLogsService, type LogStreamEvent } from './build-logs.service.js';

/** The stored builds, by id: only their status matters here. */
function setup(statuses: Record<number, BuildStatus>) {
  const events = new InMemoryBuildEvents();
  const logs = new InMemoryBuildLogs({ events });
  const get = async (id: number): Promise<Build> => {
    const status = statuses[id];
    if (status === undefined) throw new DrydockError('not_found', `build ${id} not found`);
    return {
      id,
      repo: 'acme/app',
      cloneUrl: 'https://github.com/acme/app.git',
      ref: 'refs/heads/main',
      sha: null,
      event: 'push',
      defaultBranch: 'main',
      status,
      steps: [],
      images: [],
      keptImages: [],
      rebuildOf: null,
      retryOf: null,
      fork: false,
      pullRequest: null,
      installationId: null,
      before: null,
      approvedBy: null,
      ...NO_BUILD_FACTS,
      createdAt: '2026-01-01T00:00:00.000Z',
      startedAt: null,
      finishedAt: null,
      error: null,
    };
  };
  return { events, logs, service: new BuildLogsService({ get }, logs, events) };
}

function collect(stream: AsyncIterable<LogStreamEvent>): { seen: LogStreamEvent[]; done: Promise<void> } {
  const seen: LogStreamEvent[] = [];
  const done = (async () => {
    for await (const event of stream) seen.push(event);
  })();
  return { seen, done };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('BuildLogsService', () => {
  it('streams a running build and ends with the status build.finished brings', async () => {
    const statuses: Record<number, BuildStatus> = { 1: 'running' };
    const { events, logs, service } = setup(statuses);
    const writer = logs.open(1);
    writer.line('cloning');
    const stream = collect(service.follow(1, new AbortController().signal));
    await tick();
    writer.line('building');
    await writer.close();
    await tick();
    await events.publish({ type: 'build.finished', buildId: 1, status: 'failure' });
    await stream.done;
    expect(stream.seen).toEqual([{ line: 'cloning' }, { line: 'building' }, { end: 'failure' }]);
  });

  it('gives a finished build its archived log and stored status at once', async () => {
    const { logs, service } = setup({ 2: 'success' });
    await logs.archive.save(2, 'done\n');
    const stream = collect(service.follow(2, new AbortController().signal));
    await stream.done;
    expect(stream.seen).toEqual([{ line: 'done' }, { end: 'success' }]);
  });

  it('ends the stream of a build cancelled while queued, which never logged', async () => {
    const { events, service } = setup({ 3: 'queued' });
    const stream = collect(service.follow(3, new AbortController().signal));
    await tick();
    await events.publish({ type: 'build.finished', buildId: 3, status: 'cancelled' });
    await stream.done;
    expect(stream.seen).toEqual([{ end: 'cancelled' }]);
  });

  it('sends no end once the client is gone', async () => {
    const { logs, service } = setup({ 4: 'running' });
    logs.open(4).line('still going');
    const client = new AbortController();
    const stream = collect(service.follow(4, client.signal));
    await tick();
    client.abort();
    await stream.done;
    expect(stream.seen).toEqual([{ line: 'still going' }]);
  });

  it('answers not_found for the text of an unknown build', async () => {
    const { service } = setup({});
    await expect(service.text(99)).rejects.toMatchObject({ code: 'not_found' });
  });
});
