import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Webhooks } from '@octokit/webhooks';
import type { Request, Response } from 'express';
import type { AppConfig, ForkPrPolicy } from '@drydock/config';
import type { BuildQueue } from '@drydock/queue';
import type { BuildStore } from '@drydock/store';
import { checkRunRerequestedPayload, createMemoryBuildStore, FakeGitClient, FakeGitHubPermissions, InMemoryBuildEvents, pullRequestCommentPayload, pullRequestPayload, RecordingReporter } from '@drydock/testing';
import { BuildsService } from '../builds/builds.service.js';
import { GithubWebhookController } from './github-webhook.controller.js';

const SECRET = 'webhook-secret';
const queue = { enqueue: async () => undefined, withdraw: async () => undefined, requestCancel: async () => undefined } as unknown as BuildQueue;

describe('GithubWebhookController: fork pull requests and approval comments', () => {
  let store: BuildStore;
  let close: () => Promise<void>;
  let permissions: FakeGitHubPermissions;
  let reporter: RecordingReporter;

  beforeEach(async () => {
    ({ store, close } = await createMemoryBuildStore());
    permissions = new FakeGitHubPermissions();
    reporter = new RecordingReporter();
  });
  afterEach(() => close());

  const controllerWith = (forkPrs: ForkPrPolicy) => {
    const config = { forkPrs, github: { webhookSecret: SECRET, apiUrl: 'https://api.github.com' }, allowedRepos: [] } as unknown as AppConfig;
    const builds = new BuildsService(store, reporter, queue, new InMemoryBuildEvents(), new FakeGitClient(), config);
    return new GithubWebhookController(config, builds, reporter, permissions);
  };

  async function deliver(controller: GithubWebhookController, event: string, payload: unknown): Promise<Record<string, unknown>> {
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = { 'x-github-event': event, 'x-github-delivery': `d-${Math.random()}`, 'x-hub-signature-256': await new Webhooks({ secret: SECRET }).sign(body) };
    const req = { body: Buffer.from(body), header: (name: string) => headers[name.toLowerCase()] } as unknown as Request;
    const res = { status: () => res } as unknown as Response;
    return (await controller.receive(req, res)) as Record<string, unknown>;
  }

  const forkPr = (sha = 'a'.repeat(40)) =>
    pullRequestPayload({ action: 'opened', number: 4, fullName: 'acme/widget', cloneUrl: 'https://github.com/acme/widget.git', headSha: sha, baseSha: 'b'.repeat(40), headRepo: 'stranger/widget' });

  it('DRYDOCK_FORK_PRS=approve stores a fork\'s build blocked; run queues it; off ignores it', async () => {
    expect(await deliver(controllerWith('approve'), 'pull_request', forkPr('1'.repeat(40)))).toEqual({ builds: [{ id: expect.any(Number), status: 'blocked' }] });
    expect(await deliver(controllerWith('run'), 'pull_request', forkPr('2'.repeat(40)))).toEqual({ builds: [{ id: expect.any(Number), status: 'queued' }] });
    expect(await deliver(controllerWith('off'), 'pull_request', forkPr('3'.repeat(40)))).toEqual({ builds: [], reason: 'pull requests from forks are not built (DRYDOCK_FORK_PRS=off)' });
  });

  it('approves the newest blocked head on a writer\'s comment; nobody else\'s, and nothing when GitHub does not answer', async () => {
    const controller = controllerWith('approve');
    const comment = (login: string) => deliver(controller, 'issue_comment', pullRequestCommentPayload('acme/widget', 4, '/drydock approve', login));
    expect(await comment('maintainer')).toEqual({ builds: [], reason: 'pull request #4 has no build waiting for approval' });
    await deliver(controller, 'pull_request', forkPr());
    const [blocked] = await store.openBuildsOf('acme/widget');

    permissions.grant('acme/widget', 'maintainer', 'write').grant('acme/widget', 'triager', 'triage');
    expect(await comment('triager')).toEqual({ builds: [], reason: 'not approved: @triager has triage permission on acme/widget; approving takes write or admin' });
    expect(await comment('nobody')).toMatchObject({ reason: expect.stringContaining('@nobody has none permission') });
    permissions.refuseWith = 'GitHub is down';
    expect(await comment('maintainer')).toMatchObject({ builds: [], reason: expect.stringMatching(/^not approved: GitHub did not say what @maintainer may do/) });
    expect((await store.get(blocked.id))?.status).toBe('blocked');

    permissions.refuseWith = null;
    expect(await comment('maintainer')).toEqual({ builds: [{ id: blocked.id, status: 'queued' }], reason: 'approved by @maintainer' });
    expect(await store.get(blocked.id)).toMatchObject({ status: 'queued', approvedBy: '@maintainer' });
  });

  it('rebuilds on "Re-run" of a check run of its build; a fork\'s unapproved commit waits for approval again; a run naming another repository\'s build is ignored', async () => {
    const controller = controllerWith('approve');
    const rerun = (build: { repo: string; sha: string | null; id: number }) =>
      deliver(controller, 'check_run', checkRunRerequestedPayload({ fullName: build.repo, headSha: build.sha!, externalId: String(build.id), login: 'octo' }));
    const request = { repo: 'acme/widget', cloneUrl: 'https://github.com/acme/widget.git', ref: 'refs/heads/main', sha: 'd'.repeat(40), event: 'push' as const, defaultBranch: 'main' };
    const {
      builds: [pushed],
    } = await store.createBuilds([request]);
    await store.update(pushed.id, { status: 'failure', finishedAt: new Date().toISOString() });

    const answer = await rerun(pushed);
    expect(answer).toEqual({ builds: [{ id: expect.any(Number), status: 'queued' }], reason: `re-run of build ${pushed.id} asked by @octo` });
    const [again] = answer.builds as Array<{ id: number }>;
    expect(await store.get(again.id)).toMatchObject({ rebuildOf: pushed.id, sha: pushed.sha, ref: 'refs/heads/main' });

    expect(await rerun({ ...pushed, repo: 'other/repo' })).toEqual({ builds: [], reason: `check run names build ${pushed.id}, which is not a build of other/repo at ddddddd` });
    expect(await rerun({ ...pushed, id: 999_999 })).toMatchObject({ builds: [], reason: expect.stringContaining('build 999999, which is not a build') });

    await deliver(controller, 'pull_request', forkPr());
    const [fork] = (await store.openBuildsOf('acme/widget')).filter((b) => b.fork);
    await store.update(fork.id, { status: 'cancelled', finishedAt: new Date().toISOString() });
    expect(await rerun(fork)).toMatchObject({ builds: [{ status: 'blocked' }] });
    const approved = await store.update((await store.openBuildsOf('acme/widget')).find((b) => b.fork)!.id, { status: 'success', approvedBy: '@maintainer', finishedAt: new Date().toISOString() });
    expect(await rerun(approved)).toMatchObject({ builds: [{ status: 'queued' }] });
  });
});
