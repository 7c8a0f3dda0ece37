import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { Webhooks } from '@octokit/webhooks';

/** Real payloads from @octokit/webhooks-examples, with the fields a test needs replaced. */
const require = createRequire(import.meta.url);
const examples = require('@octokit/webhooks-examples') as Array<{ name: string; examples: Array<Record<string, unknown>> }>;

export function examplePayload(event: string, pick: (payload: Record<string, unknown>) => boolean = () => true): Record<string, unknown> {
  const found = examples.find((e) => e.name === event)?.examples.find(pick);
  if (!found) throw new Error(`no ${event} example in @octokit/webhooks-examples`);
  return structuredClone(found);
}

export interface PushOptions {
  ref: string;
  sha: string;
  cloneUrl: string;
  fullName: string;
  defaultBranch?: string;
}

/** GitHub's branch-push example, pointed at a test repository. */
export function pushPayload(options: PushOptions): Record<string, unknown> {
  const payload = examplePayload('push', (p) => p.deleted === false && String(p.ref).startsWith('refs/heads/'));
  const [owner, name] = options.fullName.split('/');
  const repository = payload.repository as Record<string, unknown>;
  Object.assign(repository, {
    full_name: options.fullName,
    name,
    clone_url: options.cloneUrl,
    html_url: `https://github.com/${options.fullName}`,
    default_branch: options.defaultBranch ?? 'main',
    owner: { ...(repository.owner as object), login: owner, name: owner },
  });
  return { ...payload, ref: options.ref, after: options.sha, created: false, deleted: false };
}

export interface SignedDelivery {
  headers: Record<string, string>;
  body: string;
}

/** The request GitHub would send: body, event, delivery id and HMAC signature. */
export async function signedDelivery(event: string, payload: unknown, secret: string, deliveryId: string = randomUUID()): Promise<SignedDelivery> {
  const body = JSON.stringify(payload);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': deliveryId,
      'x-hub-signature-256': await new Webhooks({ secret }).sign(body),
    },
  };
}

export interface PullRequestOptions {
  action: 'opened' | 'synchronize' | 'reopened' | 'closed' | 'labeled';
  number: number;
  /** The base repository, owner/name. */
  fullName: string;
  cloneUrl: string;
  headSha: string;
  baseSha: string;
  /** The head's repository: the base's own by default; another for a fork, null for a deleted fork. */
  headRepo?: string | null;
  headRef?: string;
  defaultBranch?: string;
}

/** A real `pull_request` example from @octokit/webhooks-examples, pointed at a test repository. */
export function pullRequestPayload(options: PullRequestOptions): Record<string, unknown> {
  const payload = examplePayload('pull_request', (p) => p.action === 'opened');
  const [owner, name] = options.fullName.split('/');
  const repository = { ...(payload.repository as Record<string, unknown>) };
  Object.assign(repository, { full_name: options.fullName, name, clone_url: options.cloneUrl, html_url: `https://github.com/${options.fullName}`, default_branch: options.defaultBranch ?? 'main' });
  repository.owner = { ...(repository.owner as object), login: owner };
  const pr = payload.pull_request as Record<string, Record<string, unknown>>;
  const headRepo = options.headRepo === undefined ? options.fullName : options.headRepo;
  pr.head = { ...pr.head, sha: options.headSha, ref: options.headRef ?? 'feature', repo: headRepo === null ? null : { ...repository, full_name: headRepo, name: headRepo.split('/')[1] } };
  pr.base = { ...pr.base, sha: options.baseSha, ref: options.defaultBranch ?? 'main', repo: repository };
  return { ...payload, action: options.action, number: options.number, pull_request: { ...pr, number: options.number }, repository };
}

/** A real `issue_comment` example, on pull request `number` of `fullName`, by `login`. */
export function pullRequestCommentPayload(fullName: string, number: number, body: string, login: string): Record<string, unknown> {
  const payload = examplePayload('issue_comment', (p) => p.action === 'created');
  const issue = { ...(payload.issue as Record<string, unknown>), number, pull_request: { url: `https://api.github.com/repos/${fullName}/pulls/${number}` } };
  const comment = { ...(payload.comment as Record<string, unknown>), body, user: { ...((payload.comment as Record<string, unknown>).user as object), login } };
  return { ...payload, issue, comment, repository: { ...(payload.repository as object), full_name: fullName } };
}

/** A real `check_run` `rerequested` example (the "Re-run" button): that run of `fullName`'s commit `headSha`, by `login`. */
export function checkRunRerequestedPayload(options: { fullName: string; headSha: string; externalId: string; name?: string; login?: string; installationId?: number }): Record<string, unknown> {
  const payload = examplePayload('check_run', (p) => p.action === 'rerequested');
  const run = { ...(payload.check_run as Record<string, unknown>), external_id: options.externalId, head_sha: options.headSha, name: options.name ?? 'drydock' };
  const sender = { ...(payload.sender as object), login: options.login ?? 'maintainer' };
  const installation = options.installationId === undefined ? payload.installation : { id: options.installationId };
  return { ...payload, check_run: run, sender, installation, repository: { ...(payload.repository as object), full_name: options.fullName } };
}
