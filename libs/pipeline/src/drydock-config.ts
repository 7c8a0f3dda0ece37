import { lstat, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError } from '@drydock/core';
import { readConfigFile, refuseEscapingSymlinks, regularFileInside, resolveInside } from './checkout-paths.js';
import { MAX_IMAGES, imagesAtLeast } from './config-bounds.js';
import { configSchema, type ImageConfig } from './config-schema.js';

/**
 * `.drydock.yml`: what to build and how to test it. The schema grows by adding optional
 * fields; unknown fields are rejected so a typo is an error that names it, not a silent no-op.
 */
export const CONFIG_FILE = '.drydock.yml';
export const COMPOSE_TEST_FILE = 'docker-compose.test.yml';

export type { ImageConfig } from './config-schema.js';

export interface DrydockConfig {
  images: ImageSpec[];
  /** Set when there are no test commands and the repo has a compose test file with `sut`. */
  composeTestFile: string | null;
  /** Top-level `timeout:` in seconds (from a number or a duration like "10m"); null when not set. */
  timeoutSeconds: number | null;
  /** Top-level `supersede:` (default true): a newer push to the same branch may cancel this build. */
  supersede: boolean;
}

/** An image to build, with paths resolved inside the checkout. */
export interface ImageSpec {
  /** From the config, or null for the repository's own image. */
  name: string | null;
  contextDir: string;
  /** Relative to the checkout root. */
  dockerfile: string;
  target?: string;
  buildArgs: Record<string, string>;
  testCommands: string[];
  /** `branches:` globs: on a branch build, the image is built only when the branch matches one; null: every branch. */
  branches: string[] | null;
  /** `paths:` globs: the image is built only when the change touched a matching file; null: always. */
  paths: string[] | null;
  /** `secrets:` names, distinct (see build-secrets.ts). */
  secrets: string[];
}

export async function loadDrydockConfig(checkoutDir: string): Promise<DrydockConfig> {
  const root = await realpath(checkoutDir);
  const text = await readConfigFile(root, CONFIG_FILE);
  if (text !== null && imagesAtLeast(text) > MAX_IMAGES) throw tooManyImages();
  const parsed = configSchema.safeParse((text === null ? {} : parseYaml(text)) ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue.code === 'too_big' && issue.path.join('.') === 'images') throw tooManyImages();
    throw new ConfigError(CONFIG_FILE, fieldPath(issue.path, issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined), issue.message);
  }
  const hasComposeFile = await composeFileExists(root);
  const seen = new Set<string>();
  const images: ImageSpec[] = [];
  for (const [index, image] of parsed.data.images.entries()) {
    const name = image.name ?? '';
    if (seen.has(name)) throw new ConfigError(CONFIG_FILE, 'images', `two images are named "${name || '(default)'}"; give each a distinct name`);
    seen.add(name);
    images.push(await resolveImage(checkoutDir, root, image, index));
  }
  const hasTests = images.some((i) => i.testCommands.length > 0);
  const composeTestFile = !hasTests && hasComposeFile ? COMPOSE_TEST_FILE : null;
  return { images, composeTestFile, timeoutSeconds: parsed.data.timeout ?? null, supersede: parsed.data.supersede };
}

const tooManyImages = () => new ConfigError(CONFIG_FILE, 'images', `lists more than ${MAX_IMAGES} images; at most ${MAX_IMAGES} are allowed`);

/** The compose test file, when there is one, must be a regular file too (it is read in the test step). */
async function composeFileExists(root: string): Promise<boolean> {
  try {
    const stats = await lstat(path.join(root, COMPOSE_TEST_FILE));
    if (!stats.isFile()) throw new ConfigError(COMPOSE_TEST_FILE, '', 'must be a regular file in the repository, not a symlink or special file');
    return true;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    return false;
  }
}

function parseYaml(text: string): unknown {
  const doc = parseDocument(text);
  const error = doc.errors[0];
  if (error) {
    const line = error.linePos?.[0];
    throw new ConfigError(CONFIG_FILE, '', `invalid YAML${line ? ` at line ${line.line}, column ${line.col}` : ''}: ${error.message.split('\n')[0]}`);
  }
  return doc.toJS();
}

/** Context and Dockerfile with realpath, inside the checkout; no symlink in the context may lead out. */
async function resolveImage(checkoutDir: string, root: string, image: ImageConfig, index: number): Promise<ImageSpec> {
  const source = (name: string) => ({ file: CONFIG_FILE, field: `images[${index}].${name}` });
  const contextReal = await resolveInside(root, root, image.context, source('context'));
  if (contextReal === null || !(await stat(contextReal)).isDirectory()) {
    throw new ConfigError(CONFIG_FILE, source('context').field, `directory "${image.context}" does not exist in the repository`);
  }
  const dockerfileReal = await regularFileInside(root, contextReal, image.dockerfile, source('dockerfile'));
  await refuseEscapingSymlinks(root, contextReal, source('context'));
  return {
    name: image.name ?? null,
    contextDir: path.join(checkoutDir, path.relative(root, contextReal)),
    dockerfile: path.relative(root, dockerfileReal),
    target: image.target,
    buildArgs: image.build_args,
    testCommands: image.test,
    branches: image.branches ?? null,
    paths: image.paths ?? null,
    secrets: [...new Set(image.secrets)],
  };
}

/** ['images', 0, 'test'] -> `images[0].test` */
function fieldPath(segments: readonly PropertyKey[], extraKey?: string): string {
  const all = extraKey === undefined ? segments : [...segments, extraKey];
  return all.reduce<string>((acc, s) => (typeof s === 'number' ? `${acc}[${s}]` : acc ? `${acc}.${String(s)}` : String(s)), '');
}
