import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DrydockError } from '@drydock/core';

const execFileAsync = promisify(execFile);

/** File path (may contain `/`, spaces, unicode) -> content; `null` deletes the file. */
export type RepoFiles = Record<string, string | null>;

export interface TempRepo {
  /** `owner/name` */
  fullName: string;
  /** The HTTP clone URL on the git server. */
  cloneUrl: string;
  /** The bare repository on disk. */
  barePath: string;
  defaultBranch: string;
  /** Sha of the first commit (on the default branch). */
  sha: string;
  /**
   * Commits `files` on top of `branch` (default: the default branch; a new branch starts from the default
   * branch's tip) and pushes it; by `author` when given (the committer stays Drydock Test).
   */
  commit(files: RepoFiles, options?: { branch?: string; message?: string; author?: { name: string; email: string } }): Promise<string>;
  /** Creates and pushes a tag (annotated when `message` is given) on `sha` (default: the default branch's tip). */
  tag(name: string, options?: { sha?: string; message?: string }): Promise<string>;
  /** Points any ref (e.g. `refs/pull/7/head`) at `sha` on the server. */
  pushRef(ref: string, sha: string): Promise<void>;
  /** Removes a branch from the server. */
  deleteBranch(branch: string): Promise<void>;
  /** The commit a ref or sha names, as the server has it. */
  resolve(ref: string): Promise<string>;
  /** Deletes the local work dir (the bare repository goes with the server's root). */
  dispose(): Promise<void>;
}

export interface CreateTempRepoOptions {
  files?: RepoFiles;
  defaultBranch?: string;
  message?: string;
}

const IDENTITY = ['-c', 'user.name=Drydock Test', '-c', 'user.email=test@drydock.invalid', '-c', 'commit.gpgsign=false', '-c', 'tag.gpgsign=false'];

/**
 * A bare repository `<server.root>/<owner>/<name>.git` with a first commit of `files`
 * on the default branch, served by the git HTTP server at `<server.url>/<owner>/<name>.git`.
 * Commits are made in a private work dir and pushed to the bare repository directly.
 */
export async function createTempRepo(
  server: { url: string; root: string },
  fullName = 'acme/widget',
  options: CreateTempRepoOptions = {},
): Promise<TempRepo> {
  const defaultBranch = options.defaultBranch ?? 'main';
  const barePath = path.join(server.root, ...fullName.split('/')) + '.git';
  const work = await mkdtemp(path.join(tmpdir(), 'drydock-repo-work-'));
  const git = async (...args: string[]) => (await execFileAsync('git', [...IDENTITY, ...args], { cwd: work })).stdout.trim();
  const bare = (...args: string[]) => execFileAsync('git', ['--git-dir', barePath, ...args]);

  await mkdir(path.dirname(barePath), { recursive: true });
  await execFileAsync('git', ['init', '--quiet', '--bare', '--initial-branch', defaultBranch, barePath]);
  await bare('config', 'http.receivepack', 'true');
  await bare('config', 'uploadpack.allowReachableSHA1InWant', 'true'); // as GitHub does
  await git('init', '--quiet', '--initial-branch', defaultBranch);

  const commit: TempRepo['commit'] = async (files, { branch = defaultBranch, message = 'change', author } = {}) => {
    const known = (await git('branch', '--list', '--format=%(refname)')).split('\n');
    if (known.includes(`refs/heads/${branch}`)) await git('checkout', '--quiet', branch);
    else if (known.some(Boolean)) await git('checkout', '--quiet', '-b', branch, defaultBranch);
    await writeFiles(work, files);
    await git('add', '--all');
    await git('commit', '--quiet', '--allow-empty', ...(author ? ['--author', `${author.name} <${author.email}>`] : []), '--message', message);
    await git('push', '--quiet', '--force', barePath, `HEAD:refs/heads/${branch}`);
    return git('rev-parse', 'HEAD');
  };

  const sha = await commit(options.files ?? { 'README.md': `# ${fullName}\n` }, { message: options.message ?? 'initial commit' });
  return {
    fullName,
    cloneUrl: `${server.url}/${fullName}.git`,
    barePath,
    defaultBranch,
    sha,
    commit,
    tag: async (name, { sha: target, message } = {}) => {
      const commitSha = target ?? (await git('rev-parse', defaultBranch));
      await git('tag', '--force', ...(message ? ['--annotate', '--message', message] : []), name, commitSha);
      await git('push', '--quiet', '--force', barePath, `refs/tags/${name}:refs/tags/${name}`);
      return commitSha;
    },
    pushRef: async (ref, target) => {
      await git('push', '--quiet', '--force', barePath, `${target}:${ref}`);
    },
    deleteBranch: async (branch) => {
      await git('push', '--quiet', barePath, `:refs/heads/${branch}`);
    },
    resolve: async (ref) => (await bare('rev-parse', '--verify', '--end-of-options', `${ref}^{commit}`)).stdout.trim(),
    dispose: () => rm(work, { recursive: true, force: true }),
  };
}

async function writeFiles(dir: string, files: RepoFiles): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    if (path.relative(dir, file).startsWith('..')) throw new DrydockError('invalid_request', `createTempRepo: "${name}" is outside the repository`);
    if (content === null) {
      await rm(file, { force: true });
    } else {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, content);
    }
  }
}
