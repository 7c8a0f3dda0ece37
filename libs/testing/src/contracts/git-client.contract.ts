import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CheckoutOptions, GitClient } from '@drydock/git';
import { rejectionOf } from '../rejection.js';

/** The files of the contract's repository, and of its second commit. */
export const CONTRACT_FILES = { Dockerfile: 'FROM busybox\n', 'docs/with space/ünïcödé.txt': 'hello\n' };
export const CONTRACT_NEXT_FILES = { ...CONTRACT_FILES, 'next.txt': 'two\n' };
/** The files of a commit the server has only under `refs/pull/9/head` (see `GitClientSubject.hiddenSha`). */
export const CONTRACT_HIDDEN_FILES = { ...CONTRACT_FILES, 'hidden.txt': 'h\n' };
/** The first commit's message and author (a temp repository's committer). */
export const CONTRACT_FIRST_MESSAGE = 'initial commit';
export const CONTRACT_FIRST_AUTHOR = { name: 'Drydock Test', email: 'test@drydock.invalid' };
/**
 * The tip's message and author, as hostile as a pusher may make them: colours, a bell, a terminal
 * hyperlink, a bidi override and a tab in the subject line, then a body; an escape code in the name.
 * Its author is not its committer.
 */
export const CONTRACT_NEXT_MESSAGE = '\u001b[31mAdd\u0007 next.txt\u001b[0m \u001b]8;;https://evil.example/\u001b\\link\u001b]8;;\u001b\\ \u202eevil\t\n\nThe body is not the subject.\n';
export const CONTRACT_NEXT_AUTHOR = { name: 'Ada\u001b[5m Lövelace', email: 'ada@example.com' };
/** What is left of them once cleaned. */
export const CONTRACT_NEXT_FACTS = { subject: 'Add next.txt link evil', author: { name: 'Ada Lövelace', email: 'ada@example.com' } };
/** The message of the commit off `main`: a first line of 600 characters, of which 500 are kept. */
export const CONTRACT_OFF_MAIN_MESSAGE = `${'a'.repeat(499)}bcdefghijk${'z'.repeat(91)}\n\nbody\n`;
/** A checkout limit that lets CONTRACT_FILES through and stops CONTRACT_NEXT_FILES. */
export const CONTRACT_CHECKOUT_LIMIT = Object.values(CONTRACT_FILES).reduce((sum, text) => sum + Buffer.byteLength(text), 0) + 1;

export interface GitClientSubject {
  client: GitClient;
  cloneUrl: string;
  /** The first commit (CONTRACT_FILES, CONTRACT_FIRST_MESSAGE by CONTRACT_FIRST_AUTHOR), no longer the tip of `main`. */
  firstSha: string;
  /** The tip of `refs/heads/main` (CONTRACT_NEXT_FILES, CONTRACT_NEXT_MESSAGE by CONTRACT_NEXT_AUTHOR). */
  tipSha: string;
  /** A commit of the repository (CONTRACT_OFF_MAIN_MESSAGE) on another branch, not reachable from `main`. */
  offMainSha: string;
  /** A commit of CONTRACT_HIDDEN_FILES under no branch or tag (only `refs/pull/9/head`): a mirror of heads and tags lacks it. */
  hiddenSha: string;
  /** The same repository through a client whose checkout limit is below the tip's size but above the first commit's. */
  limitedClient: GitClient;
  /** A clone URL where no repository is. */
  missingUrl: string;
  close(): Promise<void>;
}

/**
 * What every GitClient must do, run against the in-memory fake of the unit tier and
 * SimpleGitClient over a real git HTTP server in the integration tier.
 */
export function describeGitClientContract(name: string, open: () => Promise<GitClientSubject>): void {
  describe(`GitClient contract: ${name}`, () => {
    let subject: GitClientSubject;
    let workDir: string;
    let count = 0;
    const checkout = (options: Partial<CheckoutOptions> = {}) => {
      const destDir = path.join(workDir, `checkout-${++count}`);
      const call = subject.client.checkout({ cloneUrl: subject.cloneUrl, ref: 'refs/heads/main', sha: null, destDir, signal: new AbortController().signal, onLog: () => undefined, ...options });
      return call.then((result) => ({ ...result, dir: destDir }));
    };

    beforeAll(async () => {
      subject = await open();
      workDir = await mkdtemp(path.join(tmpdir(), 'drydock-git-contract-'));
    });
    afterAll(async () => {
      await subject?.close();
      await rm(workDir, { recursive: true, force: true });
    });

    it('checks out the tip of a ref, with its files, and resolves with the full sha', async () => {
      const { sha, dir } = await checkout();
      expect(sha).toBe(subject.tipSha);
      expect(readFileSync(path.join(dir, 'next.txt'), 'utf8')).toBe('two\n');
      expect(readFileSync(path.join(dir, 'docs/with space/ünïcödé.txt'), 'utf8')).toBe('hello\n');
    });

    it('checks out the exact sha asked for, not the tip', async () => {
      const { sha, dir } = await checkout({ sha: subject.firstSha });
      expect(sha).toBe(subject.firstSha);
      expect(existsSync(path.join(dir, 'next.txt'))).toBe(false);
    });

    it('answers the facts of the commit checked out: subject line and author, cleaned of escape codes and control characters', async () => {
      await expect(checkout()).resolves.toMatchObject({ sha: subject.tipSha, commit: CONTRACT_NEXT_FACTS });
      const first = await checkout({ sha: subject.firstSha });
      expect(first.commit).toEqual({ subject: CONTRACT_FIRST_MESSAGE, author: CONTRACT_FIRST_AUTHOR });
    });

    it('keeps at most 500 characters of the subject line, and none of the body', async () => {
      const { commit } = await checkout({ ref: 'refs/heads/other', sha: subject.offMainSha });
      expect(commit.subject).toBe(CONTRACT_OFF_MAIN_MESSAGE.slice(0, 500));
      expect(commit.subject).toHaveLength(500);
    });

    it('fails with clone_failed for a missing ref, commit or repository', async () => {
      expect((await rejectionOf(checkout({ ref: 'refs/heads/no-such-branch' }))).code).toBe('clone_failed');
      expect((await rejectionOf(checkout({ sha: 'deadbeef'.repeat(5) }))).code).toBe('clone_failed');
      expect((await rejectionOf(checkout({ cloneUrl: subject.missingUrl }))).code).toBe('clone_failed');
    });

    it('rejects with cancelled when the signal has aborted', async () => {
      const controller = new AbortController();
      controller.abort();
      expect((await rejectionOf(checkout({ signal: controller.signal }))).code).toBe('cancelled');
    });

    it('resolves a ref to its tip, and a sha only when it is reachable from the ref', async () => {
      const resolve = (sha: string | null) => subject.client.resolveCommit({ cloneUrl: subject.cloneUrl, ref: 'refs/heads/main', sha, signal: new AbortController().signal });
      await expect(resolve(null)).resolves.toEqual({ sha: subject.tipSha });
      await expect(resolve(subject.firstSha)).resolves.toEqual({ sha: subject.firstSha });
      expect((await rejectionOf(resolve(subject.offMainSha))).code).toBe('unprocessable');
    });

    it('lists the files that differ between two commits, fetching a commit the mirror lacks by its sha', async () => {
      await checkout(); // `to` is checked out before, as in a build
      const diff = (from: string, to = subject.tipSha) => subject.client.changedFiles({ cloneUrl: subject.cloneUrl, from, to, signal: new AbortController().signal });
      await expect(diff(subject.firstSha)).resolves.toEqual(['next.txt']);
      await expect(diff(subject.tipSha, subject.firstSha)).resolves.toEqual(['next.txt']);
      await expect(diff(subject.tipSha)).resolves.toEqual([]);
      await expect(diff(subject.hiddenSha)).resolves.toEqual(['hidden.txt', 'next.txt']);
    });

    it('resolves null for a commit to compare with that cannot be found, or is no full sha', async () => {
      await checkout();
      const diff = (from: string) => subject.client.changedFiles({ cloneUrl: subject.cloneUrl, from, to: subject.tipSha, signal: new AbortController().signal });
      await expect(diff('deadbeef'.repeat(5))).resolves.toBeNull();
      await expect(diff(subject.firstSha.slice(0, 7))).resolves.toBeNull();
      await expect(diff('--output=/tmp/x')).resolves.toBeNull();
      const controller = new AbortController();
      controller.abort();
      const call = subject.client.changedFiles({ cloneUrl: subject.cloneUrl, from: subject.firstSha, to: subject.tipSha, signal: controller.signal });
      expect((await rejectionOf(call)).code).toBe('cancelled');
    });

    it('refuses a commit larger than the checkout limit, naming the limit, and writes none of it', async () => {
      const destDir = path.join(workDir, `checkout-${++count}`);
      const options = { cloneUrl: subject.cloneUrl, ref: 'refs/heads/main', destDir, signal: new AbortController().signal, onLog: () => undefined };
      const err = await rejectionOf(subject.limitedClient.checkout({ ...options, sha: null }));
      expect(err.code).toBe('clone_failed');
      expect(err.message).toMatch(/too large.*limit/);
      expect(existsSync(path.join(destDir, 'next.txt'))).toBe(false);
      await expect(subject.limitedClient.checkout({ ...options, sha: subject.firstSha })).resolves.toMatchObject({ sha: subject.firstSha });
    });

    it('removes a checkout idempotently', async () => {
      const { dir } = await checkout();
      await subject.client.removeCheckout(dir);
      await subject.client.removeCheckout(dir);
      expect(existsSync(dir)).toBe(false);
    });
  });
}
