/**
 * Git as the pipeline sees it: a persistent bare mirror per repository under the data
 * dir (created once, then only fetched), and disposable checkouts made from it.
 *
 * `checkout` resolves the commit (the given sha, or the ref's tip), writes a clean work
 * tree at `destDir` and returns the full sha. Concurrent calls for the same repository
 * are serialised on its mirror. Failures reject with `DrydockError('clone_failed')`
 * naming the URL (credentials stripped) and git's message; abort rejects with
 * `DrydockError('cancelled')`. `removeCheckout` is idempotent.
 */
export interface GitClient {
  checkout(options: CheckoutOptions): Promise<{ sha: string }>;
  removeCheckout(destDir: string): Promise<void>;
}

export const GIT_CLIENT = Symbol('GitClient');

export interface CheckoutOptions {
  cloneUrl: string;
  /** `refs/heads/x`, `refs/tags/x`, `refs/pull/N/head` or a plain branch name. */
  ref: string;
  sha: string | null;
  /** Sent as HTTP auth only when the clone URL's host is the GitHub host. */
  token?: string;
  destDir: string;
  signal: AbortSignal;
  onLog: (line: string) => void;
}
