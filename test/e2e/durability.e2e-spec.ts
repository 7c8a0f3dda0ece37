import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createTempRepo,
  FakeGitHubServer,
  getBuild,
  pushPayload,
  signedDelivery,
  startDrydock,
  startGitHttpServer,
  waitForBuild,
  type DrydockStack,
  type GitHttpServer,
} from '@drydock/testing';

const SECRET = 'durability-secret';
let github: FakeGitHubServer;
let git: GitHttpServer;
const stacks: DrydockStack[] = [];

beforeAll(async () => {
  github = await new FakeGitHubServer().start();
  git = await startGitHttpServer();
});

afterAll(async () => {
  for (const stack of stacks) await stack.stop();
  await git?.close();
  await github?.stop();
});

describe('an accepted webhook is never lost', () => {
  it('builds a push accepted while no worker ran, after Redis lost its queue', async () => {
    const apiOnly = await startDrydock({ githubApiUrl: github.url, webhookSecret: SECRET, mode: 'api' });
    stacks.push(apiOnly);
    const repo = await createTempRepo(git, 'acme/durable', { files: { Dockerfile: 'FROM busybox:latest\n' } });
    const { headers, body } = await signedDelivery('push', pushPayload({ ref: 'refs/heads/main', sha: repo.sha, cloneUrl: repo.cloneUrl, fullName: repo.fullName }), SECRET);
    const res = await fetch(`${apiOnly.url}/webhooks/github`, { method: 'POST', headers, body });
    expect(res.status).toBe(202);
    const { builds } = (await res.json()) as { builds: Array<{ id: number }> };
    expect((await getBuild(apiOnly.url, builds[0].id)).status).toBe('queued');
    await apiOnly.stop();

    // Same database, but a new stack has a Redis key prefix of its own: its queue starts empty, as after a Redis restart without persistence.
    const { DRYDOCK_DATA_DIR, DATABASE_URL, REDIS_URL } = apiOnly.env;
    const restarted = await startDrydock({ githubApiUrl: github.url, webhookSecret: SECRET, env: { DRYDOCK_DATA_DIR, DATABASE_URL, REDIS_URL } });
    stacks.push(restarted);
    const build = await waitForBuild(restarted.url, builds[0].id);
    expect(build).toMatchObject({ status: 'success', sha: repo.sha });
  });
});
