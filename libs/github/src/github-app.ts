import { createAppAuth } from '@octokit/auth-app';
import { splitOwnerName } from '@drydock/core';
import { CALL_TIMEOUT_MS, createOctokit, refusalOf, type DrydockOctokit, type OctokitOptions } from './octokit-github-client.js';

/**
 * What Drydock can do as a GitHub App (App mode: `GITHUB_APP_ID` + `GITHUB_APP_PRIVATE_KEY`).
 *
 * - `installationToken(id)`: an access token of that installation, asked for with the App's JWT
 *   (`POST /app/installations/{id}/access_tokens`) and reused, per installation, until
 *   `REFRESH_BEFORE_MS` before it expires; concurrent asks for one installation share one request.
 * - `installationOf(repo)`: the installation that covers `owner/name` (`GET /repos/{o}/{r}/installation`),
 *   undefined when the App is not installed there; remembered for a while.
 * - `appJwt()`: a fresh JWT of the App (RS256, valid 10 minutes) for the `/app` endpoints.
 *
 * Each rejects with a `GitHubRefusal` when GitHub refuses or does not answer; tokens never go
 * into an error message.
 */
export interface GitHubAppAuth {
  installationToken(installationId: number): Promise<string>;
  installationOf(repo: string): Promise<number | undefined>;
  appJwt(): Promise<string>;
}

export const GITHUB_APP_AUTH = Symbol('GitHubAppAuth');

/** A cached token with less left than this is replaced: a clone or a round of reports may take minutes. */
export const REFRESH_BEFORE_MS = 5 * 60_000;
/** How long an installation found for a repository is believed. */
const INSTALLATION_TTL_MS = 10 * 60_000;

export interface GitHubAppOptions extends OctokitOptions {
  appId: string;
  /** PKCS#8 PEM (AppConfig.github.appPrivateKey). */
  privateKey: string;
  apiUrl: string;
  /** Epoch ms; `Date.now` unless a test drives the clock. */
  now?: () => number;
}

/** GitHubAppAuth on @octokit/auth-app (its cache keeps one token per installation). */
export class OctokitAppAuth implements GitHubAppAuth {
  private readonly auth: ReturnType<typeof createAppAuth>;
  private readonly octokit: DrydockOctokit;
  private readonly now: () => number;
  private readonly installations = new Map<string, { id: number; until: number }>();

  constructor(options: GitHubAppOptions) {
    this.now = options.now ?? Date.now;
    this.octokit = createOctokit(options.apiUrl, undefined, options);
    const request = this.octokit.request.defaults({
      request: { fetch: (url: string, init: RequestInit) => fetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(CALL_TIMEOUT_MS) }) },
    });
    this.auth = createAppAuth({ appId: options.appId, privateKey: options.privateKey, request, log: { warn: () => undefined } });
  }

  async installationToken(installationId: number): Promise<string> {
    try {
      const cached = await this.auth({ type: 'installation', installationId });
      if (Date.parse(cached.expiresAt) - this.now() > REFRESH_BEFORE_MS) return cached.token;
      return (await this.auth({ type: 'installation', installationId, refresh: true })).token;
    } catch (err) {
      throw refusalOf(err);
    }
  }

  async installationOf(repo: string): Promise<number | undefined> {
    const known = this.installations.get(repo);
    if (known && known.until > this.now()) return known.id;
    const { owner, name } = splitOwnerName(repo);
    try {
      const { data } = await this.octokit.rest.apps.getRepoInstallation({
        owner,
        repo: name,
        headers: { authorization: `Bearer ${await this.appJwt()}` },
        request: { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) },
      });
      this.installations.set(repo, { id: data.id, until: this.now() + INSTALLATION_TTL_MS });
      return data.id;
    } catch (err) {
      if ((err as { status?: number }).status === 404) return undefined;
      throw refusalOf(err);
    }
  }

  async appJwt(): Promise<string> {
    try {
      return (await this.auth({ type: 'app' })).token;
    } catch (err) {
      throw refusalOf(err);
    }
  }
}

/**
 * An octokit that acts as installation `installationId` (its token from `app`), with Drydock's
 * retry and rate-limit policy: for callers that need GitHub endpoints beyond the ports here (a
 * permission lookup, say). Make one per use: the token in it expires within the hour.
 */
export async function octokitForInstallation(app: GitHubAppAuth, apiUrl: string, installationId: number): Promise<DrydockOctokit> {
  return createOctokit(apiUrl, await app.installationToken(installationId));
}
