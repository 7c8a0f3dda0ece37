import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { GitPluginError, simpleGit, type SimpleGit } from 'simple-git';
import { DrydockError, messageOf } from '@drydock/core';
import type { AppConfig } from '@drydock/config';
import type { CheckoutOptions, GitClient, ResolveCommitOptions } from './git-client.js';
import { withMirrorLock } from './mirror-lock.js';
import { displayUrl, mayReceiveToken, mirrorDirFor, parseCloneUrl } from './repo-url.js';

export interface SimpleGitClientOptions {
  /** Mirrors live under `<dataDir>/git`. */
  dataDir: string;
  /** Decides which host may receive a token (see `mayReceiveToken`). */
  githubApiUrl: string;
}

/** What a git child process may inherit: enough to find binaries, a home and a proxy; no GIT_* overrides. */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'SSH_AUTH_SOCK', 'SSL_CERT_FILE', 'SSL_CERT_DIR',
  'http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'ALL_PROXY'];
const AUTH_ENV = ['GIT_CONFIG_COUNT', 'GIT_CONFIG_KEY_0', 'GIT_CONFIG_VALUE_0'];

/**
 * GitClient on simple-git. Each repository has one bare mirror under the data dir, made
 * once and then only fetched (heads and tags, plus a `refs/pull/…` ref when asked for);
 * checkouts are `clone --shared` copies of it, so they cost no network and little disk.
 */
export class SimpleGitClient implements GitClient {
  constructor(private readonly options: SimpleGitClientOptions) {}

  static fromConfig(config: AppConfig): SimpleGitClient {
    return new SimpleGitClient({ dataDir: config.dataDir, githubApiUrl: config.github.apiUrl });
  }

  async checkout(o: CheckoutOptions): Promise<{ sha: string }> {
    return this.withMirror(o, async ({ git, mirror, redact }) => {
      const sha = await this.fetchCommit(git, mirror, o);
      await rm(o.destDir, { recursive: true, force: true });
      await mkdir(path.dirname(o.destDir), { recursive: true });
      await git.raw(['clone', '--quiet', '--shared', '--no-checkout', mirror, o.destDir]);
      await this.git(o.destDir, o, redact).raw(['checkout', '--quiet', '--detach', sha]);
      o.onLog(`checked out ${sha}`);
      return { sha };
    });
  }

  async resolveCommit(options: ResolveCommitOptions): Promise<{ sha: string }> {
    const o = { ...options, onLog: () => undefined };
    return this.withMirror(o, async ({ git, mirror, shown }) => {
      const tip = await this.fetchCommit(git, mirror, { ...o, sha: null });
      if (o.sha === null) return { sha: tip };
      const sha = await this.fetchCommit(git, mirror, o);
      // `--is-ancestor` answers by exit code alone, which simple-git does not surface: compare the merge base.
      const onRef = (await git.raw(['merge-base', sha, tip]).catch(() => '')).trim() === sha;
      if (!onRef) throw new DrydockError('unprocessable', `commit ${o.sha} is not on ${o.ref} of ${shown}`);
      return { sha };
    });
  }

  async removeCheckout(destDir: string): Promise<void> {
    await rm(destDir, { recursive: true, force: true });
  }

  /**
   * Runs `work` on the repository's mirror, alone (the mirror lock), with git set up for the
   * clone URL (a token only for the GitHub host); git's failures become `clone_failed`.
   */
  private async withMirror<T>(
    o: Omit<CheckoutOptions, 'destDir'>,
    work: (mirror: { git: SimpleGit; mirror: string; shown: string; redact: (text: string) => string }) => Promise<T>,
  ): Promise<T> {
    const shown = displayUrl(o.cloneUrl);
    if (o.signal.aborted) throw new DrydockError('cancelled', 'cancelled');
    if (!parseCloneUrl(o.cloneUrl)) throw new DrydockError('clone_failed', `unsupported clone URL: ${shown}`);
    if (o.sha !== null && !/^[0-9a-f]{7,64}$/i.test(o.sha)) throw new DrydockError('clone_failed', `not a commit sha: "${o.sha}"`);
    const token = o.token && mayReceiveToken(o.cloneUrl, this.options.githubApiUrl) ? o.token : undefined;
    const redact = (text: string) => (token ? text.split(token).join('***') : text).split(o.cloneUrl).join(shown);
    const mirror = mirrorDirFor(this.options.dataDir, o.cloneUrl);
    try {
      return await withMirrorLock(mirror, o.signal, async () => {
        await mkdir(mirror, { recursive: true });
        return work({ git: this.git(mirror, o, redact, token), mirror, shown, redact });
      });
    } catch (err) {
      throw cloneError(err, o.signal, shown, redact, token !== undefined);
    }
  }

  /** Brings the mirror up to date and resolves the commit to build. */
  private async fetchCommit(git: SimpleGit, mirror: string, o: Omit<CheckoutOptions, 'destDir'>): Promise<string> {
    const shown = displayUrl(o.cloneUrl);
    if (!existsSync(path.join(mirror, 'HEAD'))) {
      o.onLog(`creating a mirror of ${shown}`);
      await git.raw(['init', '--quiet', '--bare']);
    }
    const refspecs = ['+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'];
    if (o.ref.startsWith('refs/') && !/^refs\/(heads|tags)\//.test(o.ref)) refspecs.push(`+${o.ref}:${o.ref}`);
    o.onLog(`fetching ${shown}`);
    await git.raw(['fetch', '--prune', '--quiet', o.cloneUrl, ...refspecs]);
    if (o.sha === null) {
      const candidates = o.ref.startsWith('refs/') ? [o.ref] : [`refs/heads/${o.ref}`, `refs/tags/${o.ref}`];
      for (const ref of candidates) {
        const sha = await commitOf(git, ref);
        if (sha) return sha;
      }
      throw new DrydockError('clone_failed', `ref "${o.ref}" not found in ${shown}`);
    }
    const known = await commitOf(git, o.sha);
    if (known) return known;
    // Not under any branch or tag (yet): ask for the commit itself, as GitHub allows.
    await git.raw(['fetch', '--quiet', o.cloneUrl, o.sha]).catch(() => undefined);
    const fetched = await commitOf(git, o.sha);
    if (fetched) return fetched;
    throw new DrydockError('clone_failed', `commit ${o.sha} not found in ${shown}`);
  }

  /** A simple-git for one directory: cancellable, its stderr streamed to the log, a token only as an HTTP header. */
  private git(baseDir: string, o: Omit<CheckoutOptions, 'destDir'>, redact: (text: string) => string, token?: string): SimpleGit {
    const env: Record<string, string> = { GIT_TERMINAL_PROMPT: '0' };
    for (const key of INHERITED_ENV) if (process.env[key] !== undefined) env[key] = process.env[key];
    if (token) {
      // Through the environment (not `-c`), so the header never shows in a process listing, and
      // scoped to the clone URL's origin; it is never written into the mirror's config.
      env.GIT_CONFIG_COUNT = '1';
      env.GIT_CONFIG_KEY_0 = `http.${new URL(o.cloneUrl).origin}/.extraHeader`;
      env.GIT_CONFIG_VALUE_0 = `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
    }
    return simpleGit({
      baseDir,
      abort: o.signal,
      allowEnvironment: ['GIT_TERMINAL_PROMPT', ...(token ? AUTH_ENV : [])],
      unsafe: { allowUnsafeConfigEnvCount: token !== undefined },
    })
      .env(env)
      .outputHandler((_command, _stdout, stderr) => {
        createInterface({ input: stderr, crlfDelay: Infinity }).on('line', (line) => line.trim() && o.onLog(redact(line)));
      });
  }
}

async function commitOf(git: SimpleGit, rev: string): Promise<string | null> {
  const sha = await git.raw(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]).catch(() => '');
  return sha.trim() || null;
}

function cloneError(err: unknown, signal: AbortSignal, shown: string, redact: (text: string) => string, sentToken: boolean): DrydockError {
  if (signal.aborted || (err instanceof GitPluginError && err.plugin === 'abort')) {
    return new DrydockError('cancelled', 'cancelled');
  }
  if (err instanceof DrydockError) return err;
  const raw = messageOf(err).trim();
  const message = redact(raw);
  const hint = /could not read Username|Authentication failed/i.test(raw)
    ? ` (the server wants credentials: the repository is private or does not exist${sentToken ? ', and it refused the token' : '; no token is sent to this host'})`
    : '';
  return new DrydockError('clone_failed', `git failed for ${shown}: ${message}${hint}`, message === raw ? { cause: err } : undefined);
}
