import { stat, realpath } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { branchOf, ConfigError, isOwnerName } from '@drydock/core';
import { checkComposeFile, CONFIG_FILE, imageRepository, imageTags, loadDrydockConfig, readConfigFile, skipReason, type ImageSpec } from '@drydock/pipeline';
import { UsageError } from '../cli-errors.js';
import { readRepositoryGit } from './repository-git.js';

/** What `drydock lint` is asked: the directory, and what the push it plans for would be. */
export interface LintRequest {
  dir: string;
  /** A branch name or a full ref (`refs/tags/v1.2.3`, `refs/pull/7/head`); default: the branch checked out in `dir`, else `main`. */
  ref?: string;
  /** Default: `origin/HEAD` of the clone, else `main`. */
  defaultBranch?: string;
  /** `owner/name`; default: the `origin` remote's. */
  repo?: string;
  /** DRYDOCK_REGISTRY, as the worker would use it. */
  registry: string;
}

/** One image of the plan, as the worker would build it for that push. */
export interface PlannedImage {
  name: string | null;
  repository: string;
  /** Relative to the directory. */
  dockerfile: string;
  context: string;
  target: string | null;
  buildArgs: Record<string, string>;
  tags: string[];
  /** Commands run in the image; empty when the compose `sut` or nothing tests it. */
  test: string[];
  branches: string[] | null;
  paths: string[] | null;
  secrets: string[];
  /** Why this push would leave the image out (`branches`), else null. `paths` are decided by the files a push changes. */
  skip: string | null;
}

export interface LintPlan {
  dir: string;
  /** False: no `.drydock.yml`, the defaults apply. */
  configFound: boolean;
  /** Full ref, and where it came from. */
  ref: string;
  refFrom: string;
  defaultBranch: string;
  sha: string | null;
  timeoutSeconds: number | null;
  supersede: boolean;
  images: PlannedImage[];
  /** The compose test file the build would run (`sut`), checked as far as it can be without Docker; null when none. */
  composeTestFile: string | null;
}

/** Stands for the seven hex digits of the commit a push would have, where there is none yet. */
const SHA_PLACEHOLDER = '0000000';

/**
 * Validates `.drydock.yml` (and the compose test file, when the build would use it) in the
 * directory with the worker's own code (`loadDrydockConfig`, `checkComposeFile`), and plans the
 * push: per image, the Dockerfile, context, tags and tests. Paths are resolved by realpath and
 * must stay inside the directory, as in a checkout. Throws the worker's ConfigError when invalid.
 */
export async function lintRepository(request: LintRequest): Promise<LintPlan> {
  const root = await directory(request.dir);
  const config = await loadDrydockConfig(root);
  if (config.composeTestFile) await checkComposeWithoutDocker(root, config.composeTestFile);
  const git = await readRepositoryGit(root);
  const ref = fullRef(request.ref ?? git.branch ?? 'main');
  const refFrom = request.ref ? '--ref' : git.branch ? 'the branch checked out' : git.sha ? 'HEAD is detached: main' : 'not a git repository: main';
  const defaultBranch = request.defaultBranch ?? git.defaultBranch ?? 'main';
  const repo = request.repo ?? git.repo;
  if (repo !== null && !isOwnerName(repo)) throw new UsageError(`--repo must be owner/name, not "${repo}"`);
  const tags = imageTags({ ref, defaultBranch, sha: git.sha ?? SHA_PLACEHOLDER }).map((t) => (git.sha ? t : t.replace(`sha-${SHA_PLACEHOLDER}`, 'sha-<commit>')));
  const images = config.images.map((spec): PlannedImage => ({
    name: spec.name,
    repository: repo ? imageRepository(request.registry, repo, spec.name) : `${request.registry}/<owner>/${spec.name ?? path.basename(root).toLowerCase()}`,
    dockerfile: spec.dockerfile,
    context: path.relative(root, spec.contextDir) || '.',
    target: spec.target ?? null,
    buildArgs: spec.buildArgs,
    tags,
    test: spec.testCommands,
    branches: spec.branches,
    paths: spec.paths,
    secrets: spec.secrets,
    skip: skipReason({ ...spec, paths: null } satisfies Pick<ImageSpec, 'branches' | 'paths'>, { ref }, null),
  }));
  const configFound = (await readConfigFile(root, CONFIG_FILE)) !== null;
  return { dir: root, configFound, ref, refFrom, defaultBranch, sha: git.sha, timeoutSeconds: config.timeoutSeconds, supersede: config.supersede, images, composeTestFile: config.composeTestFile };
}

/** What lint leaves to the worker, said with every plan. */
export const NOT_CHECKED = [
  `the compose allow-list (service keys, volumes, networks) and the paths of the model \`docker compose config\` resolves: the worker checks them with Docker`,
  'that the Dockerfiles build and the tests pass',
  'build secrets: whether the server has them',
  '`paths`: which files a push changes',
];

async function directory(dir: string): Promise<string> {
  let root: string;
  try {
    root = await realpath(dir);
  } catch {
    throw new UsageError(`lint: ${dir} does not exist`);
  }
  if (!(await stat(root)).isDirectory()) throw new UsageError(`lint: ${dir} is not a directory`);
  return root;
}

/** `main` -> `refs/heads/main`; a full ref stays as it is. */
function fullRef(ref: string): string {
  if (!ref.trim() || /[\s\x00-\x1f~^:?*[\\]|\.\.|@\{/.test(ref)) throw new UsageError(`--ref: "${ref}" is not a git ref`);
  return ref.startsWith('refs/') ? ref : `refs/heads/${branchOf(ref) ?? ref}`;
}

class ComposeModelNotResolved extends Error {}

/**
 * The worker's compose checks that need no Docker: the files compose would read (regular files
 * inside, no variable in their paths, no `${VAR}` but DRYDOCK_IMAGE and the `.env`'s), up to the
 * point where the worker asks `docker compose config` for the model; and that a `sut` service is
 * there, when the file includes no other file that could define it.
 */
async function checkComposeWithoutDocker(root: string, file: string): Promise<void> {
  try {
    await checkComposeFile(root, file, () => Promise.reject(new ComposeModelNotResolved()));
  } catch (err) {
    if (!(err instanceof ComposeModelNotResolved)) throw err;
  }
  let raw: unknown;
  try {
    raw = parse((await readConfigFile(root, file)) ?? '');
  } catch (err) {
    throw new ConfigError(file, '', `invalid YAML: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  const top = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const services = top.services && typeof top.services === 'object' ? (top.services as Record<string, unknown>) : {};
  if (top.include === undefined && (typeof services.sut !== 'object' || services.sut === null)) {
    throw new ConfigError(file, 'services.sut', 'missing: the sut service is the test (its exit code)');
  }
}
