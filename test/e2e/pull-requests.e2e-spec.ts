import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Build } from '@drydock/core';
import {
  getBuild,
  pullRequestCommentPayload,
  pullRequestPayload,
  pushPayload,
  RegistryClient,
  startE2eWorld,
  testServices,
  waitForBuild,
  type E2eWorld,
  type PullRequestOptions,
  type RepoFiles,
  type TempRepo,
} from '@drydock/testing';

/**
 * Pull requests on the real services (issue 16): same-repository PRs push `pr-N`, forks wait for
 * a maintainer and are never pushed, one commit makes one build, newer pushes supersede older
 * builds of a feature branch, `[skip ci]` builds nothing, and a repository's builds run in order.
 */
const services = testServices();
const registry = new RegistryClient(services.registry, services.registryCredentials);
const SECRET_VALUE = 'npm_s3cr3t_value_42';
const secretsDir = mkdtempSync(path.join(tmpdir(), 'drydock-pr-secrets-'));

let world: E2eWorld;
beforeAll(async () => {
  // two builds at once on the worker, so that only the per-repository limit keeps a repository's builds in order
  world = await startE2eWorld({ engines: true, env: { DRYDOCK_CONCURRENCY: '2', DRYDOCK_SECRETS_DIR: secretsDir } });
}, 90_000);
afterAll(async () => {
  await world?.stop();
  rmSync(secretsDir, { recursive: true, force: true });
}, 60_000);

const QUICK: RepoFiles = { Dockerfile: 'FROM busybox:latest\nCMD ["echo", "hi"]\n' };
/** Its test takes a few seconds: long enough for a second push to arrive while it runs. */
const SLOW: RepoFiles = { Dockerfile: 'FROM busybox:latest\n', '.drydock.yml': 'images:\n  - test: "sleep 4"\n' };

const imageOf = (repo: TempRepo) => repo.fullName.toLowerCase();

async function deliverPullRequest(repo: TempRepo, options: Omit<PullRequestOptions, 'fullName' | 'cloneUrl' | 'baseSha'>): Promise<{ status: number; body: { builds: Array<{ id: number; status: string }>; reason?: string } }> {
  if (options.action !== 'closed') await repo.pushRef(`refs/pull/${options.number}/head`, options.headSha);
  const res = await world.deliver('pull_request', pullRequestPayload({ ...options, fullName: repo.fullName, cloneUrl: repo.cloneUrl, baseSha: repo.sha }));
  return { status: res.status, body: (await res.json()) as { builds: Array<{ id: number; status: string }>; reason?: string } };
}

async function openPullRequest(repo: TempRepo, options: Omit<PullRequestOptions, 'fullName' | 'cloneUrl' | 'baseSha'>): Promise<number> {
  const { status, body } = await deliverPullRequest(repo, options);
  if (status !== 202 || body.builds.length !== 1) throw new Error(`pull_request answered ${status} ${JSON.stringify(body)}`);
  return body.builds[0].id;
}

const api = (urlPath: string, method = 'POST') => world.drydock.api(urlPath, { method });
const logOf = async (id: number) => (await world.drydock.api(`/api/builds/${id}/logs`)).text();

describe('pull requests from the same repository', () => {
  it('builds refs/pull/N/head, pushes pr-N and reports on the head commit', async () => {
    const repo = await world.repo(QUICK, 'pr');
    const head = await repo.commit({ 'feature.txt': 'x\n' }, { branch: 'feature/a' });
    const id = await openPullRequest(repo, { action: 'opened', number: 3, headSha: head });
    const build = await waitForBuild(world.drydock.url, id);
    expect(build).toMatchObject({ status: 'success', event: 'pull_request', ref: 'refs/pull/3/head', sha: head, pullRequest: 3 });
    expect(await registry.tags(imageOf(repo))).toEqual(['pr-3']);
    await world.github.waitForStatus(head, 'success');
  });

  it('one commit, one build: a push and a pull request of the same commit share it, with both tags', async () => {
    const repo = await world.repo(SLOW, 'shared');
    const head = await repo.commit({ 'feature.txt': 'y\n' }, { branch: 'feature/s' });
    const pushed = await world.push(repo, { ref: 'refs/heads/feature/s', sha: head });
    const shared = await openPullRequest(repo, { action: 'opened', number: 4, headSha: head });
    expect(shared).toBe(pushed);
    const build = await waitForBuild(world.drydock.url, pushed);
    expect(build).toMatchObject({ status: 'success', ref: 'refs/heads/feature/s', pullRequest: 4 });
    expect(build.images[0]?.tags).toEqual([`sha-${head.slice(0, 7)}`, 'feature-s', 'pr-4']);
    expect(await registry.tags(imageOf(repo))).toEqual(['feature-s', 'pr-4', `sha-${head.slice(0, 7)}`]);
    await world.github.waitForStatus(head, 'success');
  });

  it('a closed pull request cancels the build that was only for it', async () => {
    const repo = await world.repo(SLOW, 'closed');
    const head = await repo.commit({ 'feature.txt': 'z\n' }, { branch: 'feature/c' });
    const id = await openPullRequest(repo, { action: 'opened', number: 5, headSha: head });
    const closed = await deliverPullRequest(repo, { action: 'closed', number: 5, headSha: head });
    expect(closed.body.builds).toEqual([{ id, status: 'cancelled' }]);
    expect(await waitForBuild(world.drydock.url, id)).toMatchObject({ status: 'cancelled', error: 'pull request closed' });
    expect(await registry.tags(imageOf(repo))).toEqual([]);
  });
});

describe('pull requests from forks', () => {
  const FORK_FILES: RepoFiles = {
    // a fork's build gets no secret: the step sees no file, and the build log shows it
    Dockerfile: 'FROM busybox:latest\nRUN --mount=type=secret,id=NPM_TOKEN cat /run/secrets/NPM_TOKEN 2>/dev/null || echo "no secret here"\n',
    '.drydock.yml': 'images:\n  - secrets: [NPM_TOKEN]\n    test: "true"\n',
  };

  it('waits, blocked, until approved through the API; then builds it sandboxed, pushes nothing and gives it no secret', async () => {
    const repo = await world.repo(FORK_FILES, 'fork');
    mkdirSync(path.join(secretsDir, ...repo.fullName.split('/')), { recursive: true });
    writeFileSync(path.join(secretsDir, ...repo.fullName.split('/'), 'NPM_TOKEN'), SECRET_VALUE);
    const head = await repo.commit({ 'patch.txt': 'from a stranger\n' }, { branch: 'stranger-work' });
    const id = await openPullRequest(repo, { action: 'opened', number: 8, headSha: head, headRepo: 'stranger/fork' });

    expect((await getBuild(world.drydock.url, id)).status).toBe('blocked');
    expect((await world.github.waitForStatus(head, 'pending')).description).toBe('waiting for approval');
    await new Promise((r) => setTimeout(r, 2000)); // a worker with nothing else to do would have taken it by now
    expect(await getBuild(world.drydock.url, id)).toMatchObject({ status: 'blocked', steps: [] });

    const approved = await api(`/api/builds/${id}/approve`);
    expect(approved.status).toBe(200);
    expect(((await approved.json()) as Build).status).toBe('queued');
    expect((await api(`/api/builds/${id}/approve`)).status).toBe(409);
    const build = await waitForBuild(world.drydock.url, id);
    expect(build).toMatchObject({ status: 'success', fork: true, approvedBy: 'api' });
    expect(build.steps.find((s) => s.name === 'push')?.status).toBe('skipped');
    expect(await registry.tags(imageOf(repo))).toEqual([]);
    const log = await logOf(id);
    expect(log).toContain('no secret here');
    expect(log).not.toContain(SECRET_VALUE);
    await world.github.waitForStatus(head, 'success');

    // a new push to the pull request waits for approval again
    const next = await repo.commit({ 'patch.txt': 'more\n' }, { branch: 'stranger-work' });
    const nextId = await openPullRequest(repo, { action: 'synchronize', number: 8, headSha: next, headRepo: 'stranger/fork' });
    expect((await getBuild(world.drydock.url, nextId)).status).toBe('blocked');
    const declined = await api(`/api/builds/${nextId}/decline`);
    expect(((await declined.json()) as Build)).toMatchObject({ status: 'cancelled', error: 'declined' });
    expect((await world.github.waitForStatus(next, 'error')).description).toBe('declined');
  });

  it('counts a "/drydock approve" comment only from someone GitHub says may write', async () => {
    const repo = await world.repo(QUICK, 'fork-comment');
    const head = await repo.commit({ 'patch.txt': 'hello\n' }, { branch: 'stranger' });
    const id = await openPullRequest(repo, { action: 'opened', number: 9, headSha: head, headRepo: 'stranger/fork-comment' });
    world.github.grant(repo.fullName, 'maintainer', 'maintain').grant(repo.fullName, 'drive-by', 'read');

    const comment = async (login: string) => (await (await world.deliver('issue_comment', pullRequestCommentPayload(repo.fullName, 9, '/drydock approve', login))).json()) as { builds: unknown[]; reason: string };
    expect(await comment('drive-by')).toEqual({ builds: [], reason: `not approved: @drive-by has read permission on ${repo.fullName}; approving takes write or admin` });
    expect((await getBuild(world.drydock.url, id)).status).toBe('blocked');
    expect(await comment('maintainer')).toEqual({ builds: [{ id, status: 'queued' }], reason: 'approved by @maintainer' });
    expect(world.github.permissionQuestions).toEqual([`${repo.fullName} drive-by`, `${repo.fullName} maintainer`]);
    expect(await waitForBuild(world.drydock.url, id)).toMatchObject({ status: 'success', approvedBy: '@maintainer' });
  });
});

describe('superseded builds and order', () => {
  it('two quick pushes to a feature branch: the first ends cancelled "superseded", the second succeeds', async () => {
    const repo = await world.repo(SLOW, 'supersede');
    const first = await repo.commit({ 'a.txt': '1\n' }, { branch: 'feature/x' });
    const firstId = await world.push(repo, { ref: 'refs/heads/feature/x', sha: first });
    const second = await repo.commit({ 'a.txt': '2\n' }, { branch: 'feature/x' });
    const secondId = await world.push(repo, { ref: 'refs/heads/feature/x', sha: second });
    expect(await waitForBuild(world.drydock.url, firstId)).toMatchObject({ status: 'cancelled', error: `superseded by ${second.slice(0, 7)}` });
    expect((await waitForBuild(world.drydock.url, secondId)).status).toBe('success');
    expect((await world.github.waitForStatus(first, 'error')).description).toBe(`superseded by ${second.slice(0, 7)}`);
    expect(await registry.tags(imageOf(repo))).toEqual(['feature-x', `sha-${second.slice(0, 7)}`]);
  });

  it('two quick pushes to the default branch: both run, one after the other, in order', async () => {
    const repo = await world.repo(SLOW, 'in-order');
    const first = await repo.commit({ 'a.txt': '1\n' });
    const firstId = await world.push(repo, { sha: first });
    const second = await repo.commit({ 'a.txt': '2\n' });
    const secondId = await world.push(repo, { sha: second });
    const [a, b] = [await waitForBuild(world.drydock.url, firstId), await waitForBuild(world.drydock.url, secondId)];
    expect([a.status, b.status]).toEqual(['success', 'success']);
    // DRYDOCK_REPO_CONCURRENCY=1 (the default): the second started once the first had ended, though the worker had room for both
    expect(Date.parse(b.startedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(a.finishedAt ?? ''));
  });
});

describe('skip markers', () => {
  it('[skip ci] in the head commit builds nothing and reports success "skipped"', async () => {
    const repo = await world.repo(QUICK, 'skip');
    const sha = await repo.commit({ 'docs.md': 'typo\n' }, { message: 'docs: typo [skip ci]' });
    const payload = pushPayload({ ref: 'refs/heads/main', sha, cloneUrl: repo.cloneUrl, fullName: repo.fullName });
    payload.head_commit = { ...(payload.head_commit as object), id: sha, message: 'docs: typo [skip ci]' };
    const res = await world.deliver('push', payload);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ builds: [], reason: 'skipped: [skip ci]' });
    expect((await world.github.waitForStatus(sha, 'success')).description).toBe('skipped: [skip ci]');
    const listed = (await (await world.drydock.api(`/api/builds?repo=${repo.fullName}`)).json()) as { items: Build[] };
    expect(listed.items).toEqual([]);
  });
});
