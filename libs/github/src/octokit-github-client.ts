import { randomUUID } from 'node:crypto';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { messageOf, splitOwnerName } from '@drydock/core';
import { GitHubRefusal, type CommitStatus, type GitHubClient } from './github-client.js';

const RetryingOctokit = Octokit.plugin(retry, throttling);

/** Octokit with the retry and throttling plugins, as `createOctokit` makes it. */
export type DrydockOctokit = InstanceType<typeof RetryingOctokit>;

export interface OctokitOptions {
  /** The retry plugin's first wait (ms); tests make it short. */
  retryBaseMs?: number;
}

/**
 * How long one call may take, its retries and any rate-limit wait included: the outbox delivery
 * re-confirms its lease before each call, and one call must end well within the lease's ttl.
 */
export const CALL_TIMEOUT_MS = 8_000;
/** A rate-limit wait up to this long happens inside the call (once); a longer one goes back to the outbox. */
const INLINE_WAIT_MAX_S = 3;

/**
 * Commit statuses through octokit against `GITHUB_API_URL` (github.com or Enterprise, or a test
 * stand-in). The retry plugin retries a 5xx or a dropped connection twice within the call; the
 * throttling plugin spaces writes a second apart (GitHub's advice) and, on a rate limit, waits
 * in the call only when the wait is short. Everything else is the caller's to retry (the outbox
 * delivery's backoff is the outer loop): every failure rejects as a `GitHubRefusal`.
 */
export class OctokitGitHubClient implements GitHubClient {
  private readonly octokit: DrydockOctokit;

  constructor(apiUrl: string, token: string | undefined, options: OctokitOptions = {}) {
    this.octokit = createOctokit(apiUrl, token, options);
  }

  async setCommitStatus(repo: string, sha: string, status: CommitStatus): Promise<void> {
    const { owner, name } = splitOwnerName(repo);
    try {
      await this.octokit.rest.repos.createCommitStatus({
        owner,
        repo: name,
        sha,
        state: status.state,
        context: status.context,
        // GitHub rejects descriptions over 140 characters.
        description: status.description.length > 140 ? `${status.description.slice(0, 139)}…` : status.description,
        target_url: status.targetUrl,
        request: { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) },
      });
    } catch (err) {
      throw refusalOf(err);
    }
  }
}

/** What octokit's RequestError carries when GitHub answered. */
interface Answered {
  status: number;
  response: { headers: Record<string, string | number | undefined>; data?: unknown };
}

function isAnswered(err: unknown): err is Answered {
  return typeof err === 'object' && err !== null && 'status' in err && 'response' in err && typeof (err as Answered).response?.headers === 'object';
}

/**
 * An octokit on `apiUrl` authenticated with `token` (none: anonymous), with Drydock's retry and
 * rate-limit policy (see `OctokitGitHubClient`); each call still needs its own timeout signal
 * (`CALL_TIMEOUT_MS`).
 */
export function createOctokit(apiUrl: string, token: string | undefined, options: OctokitOptions = {}): DrydockOctokit {
  const shortWaitOnce = (retryAfterS: number, _options: unknown, _octokit: unknown, retryCount: number): boolean =>
    retryCount === 0 && retryAfterS <= INLINE_WAIT_MAX_S;
  return new RetryingOctokit({
    baseUrl: apiUrl,
    auth: token,
    userAgent: 'drydock',
    // 429 and 403 are the throttling plugin's to decide; the rest of 4xx will not change on a retry.
    retry: { retries: 2, retryAfterBaseValue: options.retryBaseMs ?? 250, doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
    // A limiter of its own per client (the plugin shares them between clients of one id).
    throttle: { id: randomUUID(), onRateLimit: shortWaitOnce, onSecondaryRateLimit: shortWaitOnce },
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
}

/** Maps what octokit threw to a `GitHubRefusal` (see its codes). */
export function refusalOf(err: unknown, now = Date.now()): GitHubRefusal {
  if (!isAnswered(err)) return new GitHubRefusal('unavailable', `GitHub did not answer: ${messageOf(err)}`, undefined, undefined, { cause: err });
  const { status, response } = err;
  const message = `HTTP ${status}: ${messageOf(err)}`;
  if (status === 403 || status === 429) {
    const retryAt = retryAtOf(response.headers, now);
    const limited = retryAt !== undefined || /rate limit/i.test(messageOf(err));
    return new GitHubRefusal(limited ? 'rate_limited' : 'unavailable', message, status, retryAt, { cause: err });
  }
  if (status >= 400 && status < 500 && status !== 408) return new GitHubRefusal('rejected', message, status, undefined, { cause: err });
  return new GitHubRefusal('unavailable', message, status, undefined, { cause: err });
}

/** `retry-after` (seconds), else `x-ratelimit-reset` (epoch seconds) when the limit is spent, plus a second. */
function retryAtOf(headers: Answered['response']['headers'], now: number): number | undefined {
  const retryAfter = Number(headers['retry-after']);
  if (headers['retry-after'] !== undefined && Number.isFinite(retryAfter)) return now + retryAfter * 1000;
  const reset = Number(headers['x-ratelimit-reset']);
  if (String(headers['x-ratelimit-remaining']) === '0' && Number.isFinite(reset) && reset > 0) return reset * 1000 + 1000;
  return undefined;
}
