import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { startDrydock, type DrydockStack, type StackOptions } from './drydock-stack.js';
import { FakeGitHubServer } from './fake-github-server.js';
import { startGitHttpServer, type GitHttpServer } from './git-http-server.js';
import { pushPayload, signedDelivery } from './github-webhooks.js';
import { createTempRepo, type RepoFiles, type TempRepo } from './temp-repo.js';
import { testServices } from './test-services.js';

/** What an end-to-end test talks to: a GitHub stand-in, a git server and a running Drydock wired to both. */
export interface E2eWorld {
  github: FakeGitHubServer;
  git: GitHttpServer;
  drydock: DrydockStack;
  webhookSecret: string;
  /** A new repository `acme/<prefix>-<random>` on the git server. */
  repo(files: RepoFiles, prefix?: string): Promise<TempRepo>;
  /** A webhook as GitHub sends it, signed with `secret` (the right one unless given). */
  deliver(event: string, payload: unknown, options?: { deliveryId?: string; secret?: string }): Promise<Response>;
  /** A signed push of `repo`; resolves with the id of the one build it queued. */
  push(repo: TempRepo, options?: { ref?: string; sha?: string; deliveryId?: string }): Promise<number>;
  /** The docker CLI on the test engine. */
  docker(...args: string[]): string;
  stop(): Promise<void>;
}

export async function startE2eWorld(options: Omit<StackOptions, 'githubApiUrl'> = {}): Promise<E2eWorld> {
  const webhookSecret = options.webhookSecret ?? `secret-${randomUUID()}`;
  const github = await new FakeGitHubServer().start();
  const git = await startGitHttpServer();
  const drydock = await startDrydock({ ...options, webhookSecret, githubApiUrl: github.url });
  const services = testServices();

  const deliver: E2eWorld['deliver'] = async (event, payload, { deliveryId, secret = webhookSecret } = {}) => {
    const { headers, body } = await signedDelivery(event, payload, secret, deliveryId);
    return fetch(`${drydock.url}/webhooks/github`, { method: 'POST', headers, body });
  };

  return {
    github,
    git,
    drydock,
    webhookSecret,
    deliver,
    repo: (files, prefix = 'app') => createTempRepo(git, `acme/${prefix}-${randomUUID().slice(0, 8)}`, { files }),
    push: async (repo, { ref = `refs/heads/${repo.defaultBranch}`, sha = repo.sha, deliveryId } = {}) => {
      const res = await deliver('push', pushPayload({ ref, sha, cloneUrl: repo.cloneUrl, fullName: repo.fullName }), { deliveryId });
      const body = (await res.json()) as { builds?: Array<{ id: number }> };
      if (res.status !== 202 || body.builds?.length !== 1) throw new Error(`push of ${ref} answered ${res.status} ${JSON.stringify(body)}`);
      return body.builds[0].id;
    },
    docker: (...args) => execFileSync(services.dockerCli, ['-H', services.dockerHost, ...args], { encoding: 'utf8' }),
    stop: async () => {
      await drydock.stop();
      await git.close();
      await github.stop();
    },
  };
}
