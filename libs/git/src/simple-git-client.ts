import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { GitPluginError, simpleGit, type SimpleGit } from 'simple-git';
import { DrydockError, messageOf } from '@drydock/core';
import type { AppConfig } from '@drydock/config';
import { checkoutSizeOf, formatMiB } from './checkout-size.js';
import { commitFactsOf } from './commit-facts.js';
import type { ChangedFilesOptions, Checkout, CheckoutOptions, CommitFacts, GitClient, ResolveCommitOptions } from './git-client.js';
import { isNetworkFailure } from './git-failure.js';
import { allowedEnvironment, DEFAULT_LOW_SPEED, gitEnvironment, gitRemote, type GitRemote, type LowSpeedLimit } from './git-env.js';
import { withMirrorLock } from './mirror-lock.js';
import { displayUrl, mirrorDirFor, parseCloneUrl } from './repo-url.js';

export interface SimpleGitClientOptions {
  /** Mirrors live under `<dataDir>/git`. */
  dataDir: string;
  /** Decides which host may receive a token (see `mayReceiveToken`). */
  githubApiUrl: string;
  /** A commit whose files add up to more than this is not checked out (`clone_failed`); default 2 GiB. */
  maxCheckoutBytes?: number;
  /** A fetch slower than this fails instead of hanging; default 1000 bytes/s for 60 s. */
  lowSpeed?: LowSpeedLimit;
}

interface MirrorContext {
  git: SimpleGit;
  mirror: string;
  shown: string;
  remote: GitRemote;
  redact: (text: string) => string;
}

/**
 * GitClient on simple-git. Each repository has one bare mirror under the data dir, made
 * once and then only fetched (heads and tags, plus a `refs/pull/…` ref when asked for);
 * checkouts are `clone --shared` copies of it, so they cost no network and little disk.
 */
export class SimpleGitClient implements GitClient {
  constructor(private readonly options: SimpleGitClientOptions) {}

  static fromConfig(config: AppConfig): SimpleGitClient {
    return new SimpleGitClient({
      dataDir: config.dataDir,
      githubApiUrl: config.github.apiUrl,
      maxCheckoutBytes: config.maxCheckoutMb * 1024 * 1024,
    });
  }

  async checkout(o: CheckoutOptions): Promise<Checkout> {
    return this.withMirror(o, async ({ git, mirror, remote, redact }) => {
      const sha = await this.fetchCommit(git, mirror, remote, o);
      await this.checkSize(mirror, sha, o.signal);
      const commit = await factsOf(git, sha);
      await rm(o.destDir, { recursive: true, force: true });
      await mkdir(path.dirname(o.destDir), { recursive: true });
      await git.raw(['clone', '--quiet', '--shared', '--no-checkout', mirror, o.destDir]);
      await this.git(o.destDir, o, redact).raw(['checkout', '--quiet', '--detach', sha]);
      o.onLog(`checked out ${sha}`);
      return { sha, commit };
    });
  }

  async resolveCommit(options: ResolveCommitOptions): Promise<{ sha: string }> {
    const o = { ...options, onLog: () => undefined };
    return this.withMirror(o, async ({ git, mirror, remote, shown }) => {
      const tip = await this.fetchCommit(git, mirror, remote, { ...o, sha: null });
      if (o.sha === null) return { sha: tip };
      const sha = await this.fetchCommit(git, mirror, remote, o);
      // `--is-ancestor` answers by exit code alone, which simple-git does not surface: compare the merge base.
      const onRef = (await git.raw(['merge-base', sha, tip]).catch(() => '')).trim() === sha;
      if (!onRef) throw new DrydockError('unprocessable', `commit ${o.sha} is not on ${o.ref} of ${shown}`);
      return { sha };
    });
  }

  async changedFiles(options: ChangedFilesOptions): Promise<string[] | null> {
    if (!FULL_SHA.test(options.from)) return null;
    const o = { ...options, ref: 'HEAD', sha: options.to, onLog: () => undefined };
    return this.withMirror(o, async ({ git, remote, shown }) => {
      const to = await commitOf(git, options.to);
      if (!to) throw new DrydockError('clone_failed', `commit ${options.to} not found in ${shown}`);
      let from = await commitOf(git, options.from);
      if (!from) {
        await git.raw(['fetch', '--quiet', remote.url, options.from]).catch(() => undefined);
        from = await commitOf(git, options.from);
      }
      if (!from) return null;
      const out = await git.raw(['diff', '--name-only', '-z', '--no-renames', '--no-ext-diff', '--no-textconv', from, to, '--']);
      return out.split('\0').filter((file) => file !== '');
    });
  }

  async removeCheckout(destDir: string): Promise<void> {
    await rm(destDir, { recursive: true, force: true });
  }

  /** Refuses a commit whose files add up to more than the limit, before a byte of it is written. */
  private async checkSize(mirror: string, sha: string, signal: AbortSignal): Promise<void> {
    const limit = this.options.maxCheckoutBytes ?? 2048 * 1024 * 1024;
    const size = await checkoutSizeOf(mirror, sha, signal);
    if (size > limit) {
      throw new DrydockError('clone_failed', `commit ${sha.slice(0, 7)} is too large to check out: its files add up to ${formatMiB(size)}, over the limit of ${formatMiB(limit)} (DRYDOCK_MAX_CHECKOUT_MB)`);
    }
  }

  /**
   * Runs `work` on the repository's mirror, alone (the mirror lock), with git set up for the
   * clone URL (credentials only over HTTPS, see `gitRemote`); git's failures become `clone_failed`.
   */
  private async withMirror<T>(o: Omit<CheckoutOptions, 'destDir'>, work: (mirror: MirrorContext) => Promise<T>): Promise<T> {
    const shown = displayUrl(o.cloneUrl);
    if (o.signal.aborted) throw new DrydockError('cancelled', 'cancelled');
    if (!parseCloneUrl(o.cloneUrl)) throw new DrydockError('clone_failed', `unsupported clone URL: ${shown}`);
    if (o.sha !== null && !/^[0-9a-f]{7,64}$/i.test(o.sha)) throw new DrydockError('clone_failed', `not a commit sha: "${o.sha}"`);
    const remote = gitRemote(o.cloneUrl, this.options.githubApiUrl, o.token);
    const secrets = [o.token, remote.authorization, o.cloneUrl !== shown ? new URL(o.cloneUrl).password : undefined]
      .filter((s): s is string => !!s && s.length >= 4);
    const redact = (text: string) => secrets.reduce((t, s) => t.split(s).join('***'), text.split(o.cloneUrl).join(shown));
    const mirror = mirrorDirFor(this.options.dataDir, o.cloneUrl);
    try {
      return await withMirrorLock(mirror, o.signal, async () => {
        await mkdir(mirror, { recursive: true });
        return work({ git: this.git(mirror, o, redact, remote), mirror, shown, remote, redact });
      });
    } catch (err) {
      throw cloneError(err, o.signal, shown, redact, remote.authorization !== undefined);
    }
  }

  /** Brings the mirror up to date and resolves the commit to build. */
  private async fetchCommit(git: SimpleGit, mirror: string, remote: GitRemote, o: Omit<CheckoutOptions, 'destDir'>): Promise<string> {
    const shown = displayUrl(o.cloneUrl);
    if (!existsSync(path.join(mirror, 'HEAD'))) {
      o.onLog(`creating a mirror of ${shown}`);
      await git.raw(['init', '--quiet', '--bare']);
    }
    const refspecs = ['+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'];
    if (o.ref.startsWith('refs/') && !/^refs\/(heads|tags)\//.test(o.ref)) refspecs.push(`+${o.ref}:${o.ref}`);
    o.onLog(`fetching ${shown}`);
    await git.raw(['fetch', '--prune', '--quiet', remote.url, ...refspecs]);
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
    await git.raw(['fetch', '--quiet', remote.url, o.sha]).catch(() => undefined);
    const fetched = await commitOf(git, o.sha);
    if (fetched) return fetched;
    throw new DrydockError('clone_failed', `commit ${o.sha} not found in ${shown}`);
  }

  /** A simple-git for one directory: cancellable, its stderr streamed to the log, credentials only as an HTTP header. */
  private git(baseDir: string, o: Omit<CheckoutOptions, 'destDir'>, redact: (text: string) => string, remote?: GitRemote): SimpleGit {
    const env = gitEnvironment(remote ?? { url: displayUrl(o.cloneUrl), authorization: undefined }, this.options.lowSpeed ?? DEFAULT_LOW_SPEED);
    return simpleGit({ baseDir, abort: o.signal, allowEnvironment: allowedEnvironment(env), unsafe: { allowUnsafeConfigEnvCount: true } })
      .env(env)
      .outputHandler((_command, _stdout, stderr) => {
        createInterface({ input: stderr, crlfDelay: Infinity }).on('line', (line) => line.trim() && o.onLog(redact(line)));
      });
  }
}

const FULL_SHA = /^([0-9a-f]{40}|[0-9a-f]{64})$/i;

async function commitOf(git: SimpleGit, rev: string): Promise<string | null> {
  const sha = await git.raw(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]).catch(() => '');
  return sha.trim() || null;
}

/** A commit object larger than this is not read for its facts (a real one is a few KiB at most). */
const MAX_COMMIT_OBJECT_BYTES = 1024 * 1024;
const NO_FACTS: CommitFacts = { subject: '', author: { name: '', email: '' } };

/** The facts of commit `sha` (a full sha known to the repository), cleaned (see `CommitFacts`). */
async function factsOf(git: SimpleGit, sha: string): Promise<CommitFacts> {
  const size = Number((await git.raw(['cat-file', '-s', sha])).trim());
  if (!(size <= MAX_COMMIT_OBJECT_BYTES)) return NO_FACTS;
  // NUL-separated: no name, email or message holds a NUL; signatures and notes stay out of the output.
  const out = await git.raw(['log', '-1', '--no-show-signature', '--no-notes', '--no-color', '--format=%an%x00%ae%x00%B', '--end-of-options', sha, '--']);
  const [name = '', email = '', ...message] = out.split('\0');
  return commitFactsOf(name, email, message.join('\0'));
}

function cloneError(err: unknown, signal: AbortSignal, shown: string, redact: (text: string) => string, sentToken: boolean): DrydockError {
  if (signal.aborted || (err instanceof GitPluginError && err.plugin === 'abort')) {
    return new DrydockError('cancelled', 'cancelled');
  }
  if (err instanceof DrydockError) return err;
  const raw = messageOf(err).trim();
  const message = redact(raw);
  const hint = /could not read Username|Authentication failed/i.test(raw)
    ? ` (the server wants credentials: the repository is private or does not exist${sentToken ? ', and it refused the credentials' : '; no credentials are sent to this host (only over HTTPS, the token only to the GitHub host)'})`
    : '';
  // a remote that could not be reached or failed on its side may answer next time: `unavailable` (the step is tried once more)
  const code = isNetworkFailure(raw) ? 'unavailable' : 'clone_failed';
  return new DrydockError(code, `git failed for ${shown}: ${message}${hint}`, message === raw ? { cause: err } : undefined);
}
