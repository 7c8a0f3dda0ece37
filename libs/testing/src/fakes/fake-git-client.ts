import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DrydockError, withoutCredentials } from '@drydock/core';
import { commitFactsOf, type ChangedFilesOptions, type Checkout, type CheckoutOptions, type GitClient, type ResolveCommitOptions } from '@drydock/git';

/** What a fake commit says of itself, raw (as its author wrote it). */
export interface FakeCommitText {
  message?: string;
  author?: { name: string; email: string };
}

/** A commit's message and author when none is given (those of a `createTempRepo` commit). */
const FAKE_COMMIT_DEFAULTS: Required<FakeCommitText> = { message: 'change', author: { name: 'Drydock Test', email: 'test@drydock.invalid' } };

interface FakeCommit extends Required<FakeCommitText> {
  sha: string;
  files: Record<string, string>;
}

/**
 * A GitClient over repositories held in memory, for the unit tier: `commit` adds a commit on a
 * ref of a clone URL; `checkout` writes that commit's files to `destDir`. It keeps the port's
 * contract (see the shared contract spec): unknown repositories, refs and shas are
 * `clone_failed`, abort is `cancelled`, `removeCheckout` is idempotent, a commit whose files
 * add up to more than `maxCheckoutBytes` is `clone_failed` naming its size and the limit; the
 * commit's facts are cleaned as the real adapter cleans them.
 */
export class FakeGitClient implements GitClient {
  constructor(private readonly options: { maxCheckoutBytes?: number } = {}) {}

  /** Every checkout asked for, without its signal and log sink. */
  readonly checkouts: Array<Omit<CheckoutOptions, 'signal' | 'onLog'>> = [];
  private readonly repos = new Map<string, Map<string, FakeCommit>>();
  /** Per clone URL and ref, every commit the ref pointed at: what is reachable from it. */
  private readonly history = new Map<string, string[]>();
  private readonly commits = new Map<string, FakeCommit>();

  /** Points `ref` (a full ref like `refs/heads/main`) of `cloneUrl` at a new commit of `files`, by `text`'s author; returns its sha. */
  commit(cloneUrl: string, ref: string, files: Record<string, string>, text: FakeCommitText = {}): string {
    const { message, author } = { ...FAKE_COMMIT_DEFAULTS, ...text };
    const sha = createHash('sha1').update(`${cloneUrl}|${ref}|${JSON.stringify([files, message, author])}|${this.commits.size}`).digest('hex');
    const commit = { sha, files, message, author };
    this.commits.set(sha, commit);
    const refs = this.repos.get(cloneUrl) ?? new Map<string, FakeCommit>();
    refs.set(ref, commit);
    this.repos.set(cloneUrl, refs);
    this.history.set(`${cloneUrl} ${ref}`, [...(this.history.get(`${cloneUrl} ${ref}`) ?? []), sha]);
    return sha;
  }

  async checkout({ signal, onLog, ...options }: CheckoutOptions): Promise<Checkout> {
    this.checkouts.push(options);
    if (signal.aborted) throw new DrydockError('cancelled', 'cancelled');
    const url = withoutCredentials(options.cloneUrl);
    const refs = this.repos.get(options.cloneUrl);
    if (!refs) throw new DrydockError('clone_failed', `git fetch ${url} failed: repository not found`);
    const ref = options.ref.startsWith('refs/') ? options.ref : `refs/heads/${options.ref}`;
    const commit = options.sha ? this.commits.get(options.sha) : refs.get(ref);
    if (!commit) throw new DrydockError('clone_failed', `git fetch ${url} failed: ${options.sha ?? options.ref} not found`);
    const size = Object.values(commit.files).reduce((sum, content) => sum + Buffer.byteLength(content), 0);
    const limit = this.options.maxCheckoutBytes ?? Infinity;
    if (size > limit) {
      throw new DrydockError('clone_failed', `commit ${commit.sha.slice(0, 7)} is too large to check out: its files add up to ${size} bytes, over the limit of ${limit} bytes (DRYDOCK_MAX_CHECKOUT_MB)`);
    }
    onLog(`(fake) checking out ${commit.sha}`);
    await rm(options.destDir, { recursive: true, force: true });
    for (const [name, content] of Object.entries(commit.files)) {
      const file = path.join(options.destDir, name);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, content);
    }
    await mkdir(options.destDir, { recursive: true });
    return { sha: commit.sha, commit: commitFactsOf(commit.author.name, commit.author.email, commit.message) };
  }

  async resolveCommit({ signal, ...options }: ResolveCommitOptions): Promise<{ sha: string }> {
    if (signal.aborted) throw new DrydockError('cancelled', 'cancelled');
    const url = withoutCredentials(options.cloneUrl);
    const ref = options.ref.startsWith('refs/') ? options.ref : `refs/heads/${options.ref}`;
    const tip = this.repos.get(options.cloneUrl)?.get(ref);
    if (!tip) throw new DrydockError('clone_failed', `git fetch ${url} failed: ${options.ref} not found`);
    if (!options.sha) return { sha: tip.sha };
    const reachable = (this.history.get(`${options.cloneUrl} ${ref}`) ?? []).find((sha) => sha.startsWith(options.sha ?? ''));
    if (!reachable) throw new DrydockError('unprocessable', `commit ${options.sha} is not on ${options.ref} of ${url}`);
    return { sha: reachable };
  }

  /** Every `changedFiles` asked for, without its signal. */
  readonly diffs: Array<Omit<ChangedFilesOptions, 'signal'>> = [];

  async changedFiles({ signal, ...options }: ChangedFilesOptions): Promise<string[] | null> {
    this.diffs.push(options);
    if (signal.aborted) throw new DrydockError('cancelled', 'cancelled');
    const url = withoutCredentials(options.cloneUrl);
    if (!this.repos.has(options.cloneUrl)) throw new DrydockError('clone_failed', `git fetch ${url} failed: repository not found`);
    const to = this.commits.get(options.to);
    if (!to) throw new DrydockError('clone_failed', `commit ${options.to} not found in ${url}`);
    const from = /^[0-9a-f]{40}$/.test(options.from) ? this.commits.get(options.from) : undefined;
    if (!from) return null;
    const names = new Set([...Object.keys(from.files), ...Object.keys(to.files)]);
    return [...names].filter((name) => from.files[name] !== to.files[name]).sort();
  }

  async removeCheckout(destDir: string): Promise<void> {
    await rm(destDir, { recursive: true, force: true });
  }
}
