/**
 * Git as the pipeline sees it: a persistent bare mirror per repository under the data
 * dir (created once, then only fetched), and disposable checkouts made from it.
 *
 * `checkout` resolves the commit (the given sha, or the ref's tip), writes a clean work
 * tree at `destDir` and returns the full sha with that commit's facts (`CommitFacts`: what
 * its author wrote, cleaned before it leaves the adapter). Concurrent calls for the same repository
 * are serialised on its mirror. Failures reject with `DrydockError('clone_failed')`
 * naming the URL (credentials stripped) and git's message, or `unavailable` when the remote
 * could not be reached or failed on its side (refused, reset, 5xx, stalled: may pass); abort
 * rejects with `DrydockError('cancelled')`. `removeCheckout` is idempotent.
 *
 * Bounded: a commit whose files add up to more than the adapter's checkout limit
 * (`DRYDOCK_MAX_CHECKOUT_MB`) rejects with `clone_failed` naming its size and the limit, before
 * its work tree is written; a fetch that stalls (too slow for too long) rejects with
 * `unavailable` instead of hanging. Credentials (the token, or a user and password written in
 * the clone URL) go only over HTTPS, as a header: never over plain `http://`, never on a
 * command line, never into the mirror's files.
 *
 * `resolveCommit` writes no work tree: it fetches the ref into the mirror and resolves with
 * its tip, or, when `sha` is given, with that commit's full sha once it is known to be
 * reachable from the ref; a sha that is not rejects with `DrydockError('unprocessable')`.
 *
 * `changedFiles` lists the files (paths relative to the repository root) that differ between
 * the commits `from` and `to` (`to` checked out before): added, changed, deleted, and both
 * names of a rename. It reads the repository's mirror and fetches `from` by its sha when the
 * mirror lacks it (a force-pushed commit); it resolves null when `from` is not a full sha or
 * cannot be found even so. Fails as `checkout` does.
 */
export interface GitClient {
  checkout(options: CheckoutOptions): Promise<Checkout>;
  resolveCommit(options: ResolveCommitOptions): Promise<{ sha: string }>;
  changedFiles(options: ChangedFilesOptions): Promise<string[] | null>;
  removeCheckout(destDir: string): Promise<void>;
}

export const GIT_CLIENT = Symbol('GitClient');

/** What `checkout` wrote: the commit checked out (full sha), and its facts. */
export interface Checkout {
  sha: string;
  commit: CommitFacts;
}

/**
 * A commit as its author described it, from the commit itself (not from GitHub). Its text is
 * hostile (anyone who can push writes it): escape sequences and control characters are gone,
 * each field is trimmed and capped (see commit-facts.ts), and a field with nothing left is ''.
 * A commit object larger than 1 MiB (no real commit is) is not read: every field is ''.
 */
export interface CommitFacts {
  /** The first line of its message (the first with any text), at most 500 characters. */
  subject: string;
  /** Its author (not its committer), as git records them: no GitHub login. */
  author: { name: string; email: string };
}

export type ResolveCommitOptions = Omit<CheckoutOptions, 'destDir' | 'onLog'>;

export interface ChangedFilesOptions extends Pick<CheckoutOptions, 'cloneUrl' | 'token' | 'signal'> {
  /** The commit compared against: a push's `before`, a pull request's base. */
  from: string;
  /** The commit built. */
  to: string;
}

export interface CheckoutOptions {
  cloneUrl: string;
  /** `refs/heads/x`, `refs/tags/x`, `refs/pull/N/head` or a plain branch name. */
  ref: string;
  sha: string | null;
  /** Sent as HTTP auth only over HTTPS, and only when the clone URL's host is the GitHub host. */
  token?: string;
  destDir: string;
  signal: AbortSignal;
  onLog: (line: string) => void;
}
