import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { APP_CONFIG, type AppConfig } from '@drydock/config';
import type { BuildRequest } from '@drydock/core';
import { BUILD_STORE, type BuildStore } from '@drydock/store';
import { createMemoryBuildStore } from '@drydock/testing';
import { ApiTokenGuard } from '../http/api-token.guard.js';
import { HttpErrorFilter } from '../http/http-errors.js';
import { OverviewService } from './overview.service.js';
import { QueueController } from './queue.controller.js';
import { ReposController } from './repos.controller.js';

const TOKEN = 'api-token-for-the-test';
const SECRET = 'ghs_secret_in_an_error';

const push = (repo: string, cloneUrl = `https://github.com/${repo}.git`): BuildRequest => ({
  repo,
  cloneUrl,
  ref: 'refs/heads/main',
  sha: 'a'.repeat(40),
  event: 'push',
  defaultBranch: 'main',
});

/** The two controllers over HTTP, behind the API's own guard and error filter, as ApiModule binds them. */
async function startApi(store: BuildStore, readsNeedToken: boolean): Promise<{ app: INestApplication; get: (path: string, token?: string) => Promise<Response> }> {
  const config = { apiToken: TOKEN, readsNeedToken, secrets: [TOKEN, SECRET] } as unknown as AppConfig;
  const moduleRef = await Test.createTestingModule({
    controllers: [ReposController, QueueController],
    providers: [
      OverviewService,
      { provide: BUILD_STORE, useValue: store },
      { provide: APP_CONFIG, useValue: config },
      { provide: APP_GUARD, useClass: ApiTokenGuard },
      { provide: APP_FILTER, useClass: HttpErrorFilter },
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const get = (path: string, token?: string) => fetch(`${base}${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  return { app, get };
}

describe('GET /api/repos/:owner/:repo/summary and GET /api/queue', () => {
  let store: BuildStore;
  let close: () => Promise<void>;
  let open: Awaited<ReturnType<typeof startApi>>;
  let closed: Awaited<ReturnType<typeof startApi>>;
  let ids: { done: number; running: number; queued: number };

  beforeAll(async () => {
    ({ store, close } = await createMemoryBuildStore());
    const [done, running, queued] = (
      await store.createBuilds([push('acme/widget'), push('acme/widget'), push('acme/tool', `https://x-access-token:${SECRET}@github.com/acme/tool.git`)])
    ).builds;
    await store.update(done.id, { status: 'success', startedAt: '2024-05-01T10:00:00.000Z', finishedAt: '2024-05-01T10:00:42.000Z' });
    await store.claim(running.id, { runId: 'run-1', owner: 'builder-1/4242' }, { startedAt: '2024-05-01T10:01:00.000Z' }, 1);
    await store.update(queued.id, { error: `a previous run said ${SECRET}` });
    ids = { done: done.id, running: running.id, queued: queued.id };
    open = await startApi(store, false);
    closed = await startApi(store, true);
  });
  afterAll(async () => {
    await open?.app.close();
    await closed?.app.close();
    await close();
  });

  it("answers a repository's summary", async () => {
    const res = await open.get('/api/repos/acme/widget/summary');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ repo: 'acme/widget', builds: 2, successRate: 1, medianDurationMs: 42_000, latestImages: [] });
  });

  it('answers 404, naming it, for a repository with no build', async () => {
    const res = await open.get('/api/repos/acme/nothing-here/summary');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { message: string }).message).toBe('repository acme/nothing-here not found: Drydock has no build of it');
  });

  it('answers 400, not 404, for what is not owner/name', async () => {
    for (const path of ['/api/repos/acme/.../summary', '/api/repos/ac%20me/widget/summary', '/api/repos/acme/wid%3Bget/summary', `/api/repos/${'a'.repeat(101)}/widget/summary`]) {
      const res = await open.get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(JSON.stringify(await res.json())).toMatch(/(repo: must be owner\/name|owner: Too big)/);
    }
  });

  it('answers the queue: waiting and running builds, credentials and secrets kept out, and the workers', async () => {
    const res = await open.get('/api/queue');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { queued: Record<string, unknown>[]; running: Record<string, unknown>[]; workers: unknown[] };
    expect(body.queued.map((b) => b.id)).toEqual([ids.queued]);
    expect(body.queued[0]).toMatchObject({ status: 'queued', cloneUrl: 'https://github.com/acme/tool.git' });
    expect(JSON.stringify(body)).not.toContain(SECRET);
    expect(body.running.map((b) => [b.id, b.status, b.startedAt])).toEqual([[ids.running, 'running', '2024-05-01T10:01:00.000Z']]);
    expect(body.workers).toEqual([{ owner: 'builder-1/4242', running: 1 }]);
  });

  it('needs the API token for both when DRYDOCK_READ_TOKEN_REQUIRED is set, like every read', async () => {
    for (const path of ['/api/queue', '/api/repos/acme/widget/summary']) {
      expect((await closed.get(path)).status).toBe(401);
      expect((await closed.get(path, 'wrong-token')).status).toBe(401);
      expect((await closed.get(path, TOKEN)).status).toBe(200);
    }
  });
});
