import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Build } from '@drydock/core';
import {
  checkRunRerequestedPayload,
  createTempRepo,
  FakeGitHubServer,
  pullRequestCommentPayload,
  pullRequestPayload,
  pushPayload,
  RegistryClient,
  signedDelivery,
  startDrydock,
  testServices,
  waitForBuild,
  type DrydockStack,
  type RepoFiles,
  type TempRepo,
} from '@drydock/testing';

/**
 * App mode on the real services (issue 16): Drydock is a GitHub App whose key the stand-in
 * checks; it clones a private repository with the installation token over HTTPS from the
 * GitHub host, reports check runs with summaries, rebuilds on "Re-run", asks the permission
 * question with the installation token, and has GitHub redeliver a webhook that failed.
 */
const services = testServices();
const registry = new RegistryClient(services.registry, services.registryCredentials);
const INSTALLATION = 4242_0001;
const app = FakeGitHubServer.testApp('4242');
const webhookSecret = 'app-webhook-secret';
const home = mkdtempSync(path.join(tmpdir(), 'drydock-app-home-'));

let github: FakeGitHubServer;
let gitRoot: string;
let drydock: DrydockStack;

beforeAll(async () => {
  github = await new FakeGitHubServer().start({ https: true });
  github.useApp(app);
  gitRoot = await github.serveGit();
  // git trusts the stand-in's certificate the way an operator's machine trusts its GitHub Enterprise: in git's own config.
  writeFileSync(path.join(home, '.gitconfig'), `[http]\n\tsslCAInfo = ${github.caFile!}\n`);
  drydock = await startDrydock({
    githubApiUrl: github.apiUrl,
    webhookSecret,
    env: {
      HOME: home,
      NODE_EXTRA_CA_CERTS: github.caFile!,
      GITHUB_APP_ID: app.appId,
      GITHUB_APP_PRIVATE_KEY: app.privateKey,
      DRYDOCK_REDELIVER_INTERVAL: '5',
    },
  });
  github.deliverWebhooksTo(`${drydock.url}/webhooks/github`, webhookSecret);
}, 90_000);

afterAll(async () => {
  await drydock?.stop();
  await github?.stop();
  rmSync(home, { recursive: true, force: true });
}, 60_000);

async function privateRepo(files: RepoFiles, prefix: string): Promise<TempRepo> {
  const repo = await createTempRepo({ url: github.url, root: gitRoot }, `acme/${prefix}-${Math.random().toString(36).slice(2, 10)}`, { files });
  github.install(repo.fullName, INSTALLATION);
  return repo;
}

async function deliver(event: string, payload: unknown, deliveryId?: string): Promise<{ status: number; body: { builds: Array<{ id: number; status: string }>; reason?: string } }> {
  const { headers, body } = await signedDelivery(event, payload, webhookSecret, deliveryId);
  const res = await fetch(`${drydock.url}/webhooks/github`, { method: 'POST', headers, body });
  return { status: res.status, body: (await res.json()) as { builds: Array<{ id: number; status: string }>; reason?: string } };
}

const appPush = (repo: TempRepo, sha = repo.sha) => ({
  ...pushPayload({ ref: `refs/heads/${repo.defaultBranch}`, sha, cloneUrl: repo.cloneUrl, fullName: repo.fullName }),
  before: '0'.repeat(40),
  installation: { id: INSTALLATION },
});

async function pushed(repo: TempRepo, sha = repo.sha): Promise<number> {
  const { status, body } = await deliver('push', appPush(repo, sha));
  if (status !== 202 || body.builds.length !== 1) throw new Error(`push answered ${status} ${JSON.stringify(body)}`);
  return body.builds[0].id;
}

describe('Drydock as a GitHub App', () => {
  it('clones a private repository with the installation token it got with a verified JWT, and reports a check run in progress → completed with a summary', async () => {
    const repo = await privateRepo({ Dockerfile: 'FROM busybox:latest\nRUN echo built > /built\n', '.drydock.yml': 'images:\n  - test: "cat /built"\n' }, 'private');
    const id = await pushed(repo);
    const build = await waitForBuild(drydock.url, id);
    expect(build).toMatchObject({ status: 'success', installationId: INSTALLATION });

    expect(github.jwtRefusals).toEqual([]);
    expect(github.tokenRequests.length).toBeGreaterThanOrEqual(1);
    expect(github.tokenRequests.every((t) => t.installationId === INSTALLATION && String(t.iss) === app.appId)).toBe(true);
    const fetches = github.gitRequests.filter((r) => r.repo === repo.fullName);
    expect(fetches.some((r) => r.answer === 200 && r.installationId === INSTALLATION)).toBe(true);
    expect(fetches.filter((r) => r.answer !== 200 && r.answer !== 401)).toEqual([]);

    const run = await github.waitForCheckRun(repo.sha, 'drydock', 'completed');
    expect(run).toMatchObject({ conclusion: 'success', external_id: String(id), details_url: `${drydock.env.DRYDOCK_PUBLIC_URL}/builds/${id}` });
    expect(run.history.map((h) => h.status)).toEqual(expect.arrayContaining(['in_progress', 'completed']));
    expect(run.history.at(-1)).toEqual({ status: 'completed', conclusion: 'success' });
    const digest = build.images[0].digest!;
    expect(run.output.summary).toContain(`Build ${id} succeeded`);
    expect(run.output.summary).toMatch(/\| build [^|]*\| ✅ success \| \d+\.\ds \|/);
    expect(run.output.summary).toContain(`digest \`${digest}\``);
    expect(run.authorization).toMatch(/^(token|Bearer) ghs_/);
    expect(await registry.tags(repo.fullName.toLowerCase())).toEqual(expect.arrayContaining([`sha-${repo.sha.slice(0, 7)}`]));
  });

  it('a failed build completes its check run as failure, with the failing step\'s log tail in the summary', async () => {
    const repo = await privateRepo({ Dockerfile: 'FROM busybox:latest\nRUN echo "the widget is broken" && exit 3\n' }, 'broken');
    const id = await pushed(repo);
    expect((await waitForBuild(drydock.url, id)).status).toBe('failure');
    const run = await github.waitForCheckRun(repo.sha, 'drydock', 'completed');
    expect(run.conclusion).toBe('failure');
    expect(run.output.summary).toContain(`Build ${id} failed`);
    expect(run.output.summary).toMatch(/\*\*Log of build[^*]*\*\* \(last 30 lines\)/);
    expect(run.output.summary).toContain('the widget is broken');
  });

  it('"Re-run" on a check run (check_run rerequested) rebuilds that build from the layer cache, reported on a check run of its own', async () => {
    const repo = await privateRepo({ Dockerfile: 'FROM busybox:latest\nRUN echo layer > /layer\n' }, 'rerun');
    const first = await pushed(repo);
    await waitForBuild(drydock.url, first);
    await github.waitForCheckRun(repo.sha, 'drydock', 'completed');

    const { status, body } = await deliver('check_run', checkRunRerequestedPayload({ fullName: repo.fullName, headSha: repo.sha, externalId: String(first), installationId: INSTALLATION }));
    expect(status).toBe(202);
    expect(body.builds).toHaveLength(1);
    const again = await waitForBuild(drydock.url, body.builds[0].id);
    expect(again).toMatchObject({ status: 'success', rebuildOf: first, sha: repo.sha });
    // the same commit again: BuildKit takes its RUN from the cache, and the build step says so
    expect(again.steps.find((s) => s.name === 'build')?.cache).toEqual({ cached: 1, steps: 1 });
    await waitUntil(() => github.checkRuns.some((r) => r.external_id === String(again.id) && r.status === 'completed'), `a completed check run of build ${again.id}`);
    expect(github.checkRuns.filter((r) => r.head_sha === repo.sha && r.name === 'drydock').map((r) => r.conclusion)).toEqual(['success', 'success']);
  });

  it('shows a fork\'s blocked build as a queued check run "waiting for approval", and asks the /drydock approve permission question with the installation token', async () => {
    const repo = await privateRepo({ Dockerfile: 'FROM busybox:latest\n' }, 'fork');
    const head = await repo.commit({ 'patch.txt': 'x\n' }, { branch: 'contrib' });
    await repo.pushRef('refs/pull/9/head', head);
    const opened = await deliver('pull_request', {
      ...pullRequestPayload({ action: 'opened', number: 9, fullName: repo.fullName, cloneUrl: repo.cloneUrl, headSha: head, baseSha: repo.sha, headRepo: 'stranger/widget' }),
      installation: { id: INSTALLATION },
    });
    expect(opened.body.builds).toEqual([{ id: expect.any(Number), status: 'blocked' }]);
    expect((await github.waitForCheckRun(head, 'drydock', 'queued')).output.title).toBe('waiting for approval');
    github.grant(repo.fullName, 'maintainer', 'write');
    const approved = await deliver('issue_comment', { ...pullRequestCommentPayload(repo.fullName, 9, '/drydock approve', 'maintainer'), installation: { id: INSTALLATION } });
    expect(approved.body).toMatchObject({ reason: 'approved by @maintainer' });
    expect(github.permissionAuthorizations.get(`${repo.fullName} maintainer`)).toMatch(/^(token|Bearer) ghs_/);
    const build = await waitForBuild(drydock.url, opened.body.builds[0].id);
    // approved: out of `blocked` (a fork's build then needs a throwaway engine, which this stack has not: see pull-requests.e2e-spec.ts)
    expect(build).toMatchObject({ fork: true, approvedBy: '@maintainer' });
    expect(build.status).not.toBe('blocked');
  });

  it('has GitHub redeliver a push whose delivery failed, and builds it once', async () => {
    const repo = await privateRepo({ Dockerfile: 'FROM busybox:latest\n' }, 'missed');
    const guid = `missed-${repo.sha.slice(0, 8)}`;
    github.recordDelivery({ event: 'push', payload: appPush(repo), guid, statusCode: 502 });
    const build = await waitUntil(async () => (await buildsOf(repo)).at(0), `a build of ${repo.fullName} from the redelivered push`, 60_000);
    expect(build).toMatchObject({ sha: repo.sha, event: 'push' });
    expect(github.redeliveryRequests.length).toBeGreaterThanOrEqual(1);
    expect((await waitForBuild(drydock.url, build.id)).status).toBe('success');
    // a second redelivery of the same event (same delivery id) starts nothing new
    expect((await deliver('push', appPush(repo), guid)).body).toMatchObject({ builds: [{ id: build.id }] });
    expect(await buildsOf(repo)).toHaveLength(1);
  });
});

async function buildsOf(repo: TempRepo): Promise<Build[]> {
  const res = await fetch(`${drydock.url}/api/builds?repo=${encodeURIComponent(repo.fullName)}`);
  return ((await res.json()) as { items: Build[] }).items;
}

async function waitUntil<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
