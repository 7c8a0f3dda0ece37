import { Webhooks } from '@octokit/webhooks';
import { z } from 'zod';
import type { BuildFacts, BuildRequest } from '@drydock/core';
import { DrydockError, isOwnerName, withoutCredentials } from '@drydock/core';
import { avatarUrlOf, commitTitleOf, commitUrlOf, compareUrlOf, pullRequestUrlOf, repositoryWebUrl } from './github-links.js';

/** Verifies `X-Hub-Signature-256` over the raw body with @octokit/webhooks (constant time). */
export async function verifyWebhookSignature(secret: string, rawBody: string, signature: string | undefined): Promise<boolean> {
  if (!signature || !signature.startsWith('sha256=')) return false;
  try {
    return await new Webhooks({ secret }).verify(rawBody, signature);
  } catch {
    return false;
  }
}

/**
 * What a verified event asks of Drydock:
 * - `build`: store and queue these builds (a fork's pull request has `fork` set; the API decides what it gets)
 * - `skip`: a push whose head commit asks for no build (`marker`); the commit is still reported
 * - `close`: a pull request was closed; the builds that exist only for it stop
 * - `approve`: `login` commented `/drydock approve` on a pull request; it counts once GitHub says they may write
 * - `rerun`: someone pressed "Re-run" on a check run of build `buildId` (App mode; its `external_id`)
 */
export type WebhookOutcome =
  | { kind: 'ping'; zen: string }
  | { kind: 'build'; requests: BuildRequest[] }
  | { kind: 'skip'; commit: CommitRef; marker: SkipMarker }
  | { kind: 'close'; repo: string; pullRequest: number }
  | { kind: 'approve'; repo: string; pullRequest: number; login: string; installationId: number | null }
  | { kind: 'rerun'; repo: string; sha: string; buildId: number; login: string }
  | { kind: 'ignored'; reason: string };

/** A commit on GitHub, with the App installation the event came from (App mode). */
export interface CommitRef {
  /** owner/name */
  repo: string;
  sha: string;
  installationId: number | null;
}

/** What a head commit message may say to build nothing (as GitHub Actions reads it). */
export const SKIP_MARKERS = ['[skip ci]', '[ci skip]', '[no ci]', '[skip drydock]'] as const;
export type SkipMarker = (typeof SKIP_MARKERS)[number];

/** The first skip marker in a commit message, case-insensitive; null when there is none. */
export function skipMarkerOf(message: string): SkipMarker | null {
  const lower = message.toLowerCase();
  return SKIP_MARKERS.find((marker) => lower.includes(marker)) ?? null;
}

/** The comment that approves a fork's pull request. */
export const APPROVE_COMMAND = '/drydock approve';
const PULL_REQUEST_BUILT = ['opened', 'synchronize', 'reopened'];

const sha = z.string().regex(/^[0-9a-f]{40}$/, 'must be a 40-character commit sha');
const ownerName = z.string().refine(isOwnerName, 'must be owner/name');
const installationSchema = z.object({ id: z.number().int().positive() }).nullish();

const login = z.string().min(1).max(100);
/** A GitHub account as payloads carry it (`sender`, `pull_request.user`); only what a build shows. */
const accountSchema = z.object({ login, avatar_url: z.unknown().optional() }).nullish();

const repositorySchema = z.object({
  full_name: ownerName,
  html_url: z.unknown().optional(),
  clone_url: z.string().url(),
  default_branch: z.string().min(1),
});

const pushSchema = z.object({
  ref: z.string().startsWith('refs/'),
  after: sha,
  before: z.string().optional(),
  deleted: z.boolean().optional(),
  head_commit: z
    .object({ message: z.string(), author: z.object({ name: z.string().max(200).optional(), username: login.optional() }).nullish() })
    .nullish(),
  compare: z.unknown().optional(),
  sender: accountSchema,
  repository: repositorySchema,
  installation: installationSchema,
});

const actionSchema = z.object({ action: z.string().min(1) });

const pullRequestSchema = z.object({
  number: z.number().int().positive(),
  sender: accountSchema,
  pull_request: z.object({
    title: z.string().optional(),
    user: accountSchema,
    head: z.object({ sha, repo: z.object({ full_name: ownerName }).nullable() }),
    base: z.object({ sha, repo: z.object({ full_name: ownerName }) }),
  }),
  repository: repositorySchema,
  installation: installationSchema,
});

const issueCommentSchema = z.object({
  issue: z.object({ number: z.number().int().positive(), pull_request: z.object({}).nullish() }),
  comment: z.object({ body: z.string(), user: z.object({ login: z.string().min(1) }) }),
  repository: z.object({ full_name: ownerName }),
  installation: installationSchema,
});

const checkRunSchema = z.object({
  check_run: z.object({ external_id: z.string().nullish(), head_sha: sha, name: z.string() }),
  repository: z.object({ full_name: ownerName }),
  sender: z.object({ login: z.string().min(1) }),
});

/** Maps a verified GitHub event to what Drydock does. Throws `invalid_request` naming the bad field. */
export function parseWebhook(event: string, payload: unknown): WebhookOutcome {
  switch (event) {
    case 'ping':
      return { kind: 'ping', zen: typeof (payload as { zen?: unknown })?.zen === 'string' ? (payload as { zen: string }).zen : '' };
    case 'push':
      return parsePush(payload);
    case 'pull_request':
      return parsePullRequest(payload);
    case 'issue_comment':
      return parseIssueComment(payload);
    case 'check_run':
      return parseCheckRun(payload);
    default:
      return { kind: 'ignored', reason: `event "${event}" is not built` };
  }
}

function parsePush(payload: unknown): WebhookOutcome {
  const push = parseOrThrow(pushSchema, payload, 'push');
  if (push.deleted) return { kind: 'ignored', reason: `${push.ref} was deleted` };
  const isTag = push.ref.startsWith('refs/tags/');
  if (!isTag && !push.ref.startsWith('refs/heads/')) return { kind: 'ignored', reason: `ref ${push.ref} is not a branch or tag` };
  const installationId = push.installation?.id ?? null;
  // A tag is a release someone made on purpose: its commit's message does not skip it.
  const marker = isTag ? null : skipMarkerOf(push.head_commit?.message ?? '');
  if (marker) return { kind: 'skip', commit: { repo: push.repository.full_name, sha: push.after, installationId }, marker };
  return {
    kind: 'build',
    requests: [
      {
        repo: push.repository.full_name,
        // Never stored with credentials: private clones use GITHUB_TOKEN.
        cloneUrl: withoutCredentials(push.repository.clone_url),
        ref: push.ref,
        sha: push.after,
        event: isTag ? 'tag' : 'push',
        defaultBranch: push.repository.default_branch,
        // what `.drydock.yml` `paths` compare against; all zeros (a new branch) is kept, and means nothing to compare
        before: push.before !== undefined && /^[0-9a-f]{40}$/.test(push.before) ? push.before : null,
        installationId,
        ...pushFacts(push),
      },
    ],
  };
}

/** What a push build shows: its head commit's title and author, the commit and compare links, the pusher. */
function pushFacts(push: z.infer<typeof pushSchema>): Partial<BuildFacts> {
  const web = repositoryWebUrl(push.repository.html_url, push.repository.full_name);
  const author = push.head_commit?.author;
  const authorLogin = author?.username ?? null;
  const sender = push.sender ?? null;
  return {
    title: commitTitleOf(push.head_commit?.message),
    author: author?.name
      ? { name: author.name, login: authorLogin, avatarUrl: sender !== null && authorLogin === sender.login ? avatarUrlOf(sender.avatar_url) : null }
      : null,
    commitUrl: commitUrlOf(web, push.after),
    compareUrl: compareUrlOf(web, push.before, push.after),
    triggeredBy: sender?.login ?? null,
  };
}

/**
 * The head commit is fetched from the base repository as `refs/pull/<n>/head` (GitHub keeps it
 * there for forks too), never from the fork. The head is a fork's when its repository is another
 * one, or gone (a deleted fork): untrusted.
 */
function parsePullRequest(payload: unknown): WebhookOutcome {
  const { action } = parseOrThrow(actionSchema, payload, 'pull_request');
  if (action !== 'closed' && !PULL_REQUEST_BUILT.includes(action)) return { kind: 'ignored', reason: `pull_request "${action}" is not built` };
  const pr = parseOrThrow(pullRequestSchema, payload, 'pull_request');
  const repo = pr.repository.full_name;
  if (action === 'closed') return { kind: 'close', repo, pullRequest: pr.number };
  const { head, base } = pr.pull_request;
  return {
    kind: 'build',
    requests: [
      {
        repo,
        cloneUrl: withoutCredentials(pr.repository.clone_url),
        ref: `refs/pull/${pr.number}/head`,
        sha: head.sha,
        event: 'pull_request',
        defaultBranch: pr.repository.default_branch,
        pullRequest: pr.number,
        before: base.sha,
        installationId: pr.installation?.id ?? null,
        fork: head.repo === null || head.repo.full_name !== base.repo.full_name,
        ...pullRequestFacts(pr),
      },
    ],
  };
}

/** What a pull request build shows: its links, its author (title and author of the head commit come from the checkout). */
function pullRequestFacts(pr: z.infer<typeof pullRequestSchema>): Partial<BuildFacts> {
  const web = repositoryWebUrl(pr.repository.html_url, pr.repository.full_name);
  const { user } = pr.pull_request;
  return {
    commitUrl: commitUrlOf(web, pr.pull_request.head.sha),
    compareUrl: null,
    pullRequestUrl: pullRequestUrlOf(web, pr.number),
    triggeredBy: pr.sender?.login ?? user?.login ?? null,
  };
}

function parseIssueComment(payload: unknown): WebhookOutcome {
  const { action } = parseOrThrow(actionSchema, payload, 'issue_comment');
  if (action !== 'created') return { kind: 'ignored', reason: `issue_comment "${action}" is not a command` };
  const { issue, comment, repository, installation } = parseOrThrow(issueCommentSchema, payload, 'issue_comment');
  if (!issue.pull_request) return { kind: 'ignored', reason: `#${issue.number} is an issue, not a pull request` };
  if (comment.body.trim() !== APPROVE_COMMAND) return { kind: 'ignored', reason: `the comment is not "${APPROVE_COMMAND}"` };
  return { kind: 'approve', repo: repository.full_name, pullRequest: issue.number, login: comment.user.login, installationId: installation?.id ?? null };
}

/** A check run's "Re-run": Drydock's own runs carry their build's id as `external_id`. */
function parseCheckRun(payload: unknown): WebhookOutcome {
  const { action } = parseOrThrow(actionSchema, payload, 'check_run');
  if (action !== 'rerequested') return { kind: 'ignored', reason: `check_run "${action}" is not a re-run` };
  const { check_run: run, repository, sender } = parseOrThrow(checkRunSchema, payload, 'check_run');
  const buildId = /^[1-9]\d{0,15}$/.test(run.external_id ?? '') ? Number(run.external_id) : null;
  if (buildId === null) return { kind: 'ignored', reason: `check run "${run.name}" is not one of Drydock's (no build id in external_id)` };
  return { kind: 'rerun', repo: repository.full_name, sha: run.head_sha, buildId, login: sender.login };
}

function parseOrThrow<T>(schema: z.ZodType<T>, payload: unknown, event: string): T {
  const result = schema.safeParse(payload);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new DrydockError('invalid_request', `malformed ${event} payload: ${issue.path.join('.') || 'body'}: ${issue.message}`);
}
