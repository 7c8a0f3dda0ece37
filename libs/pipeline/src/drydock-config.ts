import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '@drydock/core';

/**
 * `.drydock.yml`: what to build and how to test it. The schema grows by adding optional
 * fields; unknown fields are rejected so a typo is an error that names it, not a silent no-op.
 */
export const CONFIG_FILE = '.drydock.yml';
export const COMPOSE_TEST_FILE = 'docker-compose.test.yml';

const commandList = z.union([z.string().min(1).transform((c) => [c]), z.array(z.string().min(1))]);

const imageSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/, 'must be a lowercase image name like "api" or "team/api"')
    .optional(),
  context: z.string().min(1).default('.'),
  dockerfile: z.string().min(1).default('Dockerfile'),
  target: z.string().min(1).optional(),
  build_args: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a variable name'), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
  test: commandList.default([]),
});

const configSchema = z.strictObject({
  images: z.array(imageSchema).min(1, 'must list at least one image').default([{ context: '.', dockerfile: 'Dockerfile', build_args: {}, test: [] }]),
});

export type ImageConfig = z.infer<typeof imageSchema>;

export interface DrydockConfig {
  images: ImageSpec[];
  /** Set when there are no test commands and the repo has a compose test file with `sut`. */
  composeTestFile: string | null;
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
}

export function loadDrydockConfig(checkoutDir: string): DrydockConfig {
  const file = path.join(checkoutDir, CONFIG_FILE);
  const raw = existsSync(file) ? parseYaml(readFileSync(file, 'utf8')) : {};
  const parsed = configSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(CONFIG_FILE, fieldPath(issue.path, issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined), issue.message);
  }
  const images = parsed.data.images.map((image, index) => resolveImage(checkoutDir, image, index));
  const names = images.map((i) => i.name ?? '');
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) throw new ConfigError(CONFIG_FILE, 'images', `two images are named "${duplicate || '(default)'}"; give each a distinct name`);
  const hasTests = images.some((i) => i.testCommands.length > 0);
  const composeTestFile = !hasTests && existsSync(path.join(checkoutDir, COMPOSE_TEST_FILE)) ? COMPOSE_TEST_FILE : null;
  return { images, composeTestFile };
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

function resolveImage(checkoutDir: string, image: ImageConfig, index: number): ImageSpec {
  const field = (name: string) => `images[${index}].${name}`;
  const contextDir = insideCheckout(checkoutDir, checkoutDir, image.context, field('context'));
  if (!existsSync(contextDir) || !statSync(contextDir).isDirectory()) {
    throw new ConfigError(CONFIG_FILE, field('context'), `directory "${image.context}" does not exist in the repository`);
  }
  const dockerfilePath = insideCheckout(checkoutDir, contextDir, image.dockerfile, field('dockerfile'));
  if (!existsSync(dockerfilePath)) {
    throw new ConfigError(CONFIG_FILE, field('dockerfile'), `"${path.relative(checkoutDir, dockerfilePath)}" does not exist in the repository`);
  }
  return {
    name: image.name ?? null,
    contextDir,
    dockerfile: path.relative(checkoutDir, dockerfilePath),
    target: image.target,
    buildArgs: image.build_args,
    testCommands: image.test,
  };
}

function insideCheckout(checkoutDir: string, base: string, relative: string, field: string): string {
  const resolved = path.resolve(base, relative);
  const fromRoot = path.relative(checkoutDir, resolved);
  if (path.isAbsolute(relative) || fromRoot.startsWith('..') || path.isAbsolute(fromRoot)) {
    throw new ConfigError(CONFIG_FILE, field, `"${relative}" must be a relative path inside the repository`);
  }
  return resolved;
}

/** ['images', 0, 'test'] -> `images[0].test` */
function fieldPath(segments: readonly PropertyKey[], extraKey?: string): string {
  const all = extraKey === undefined ? segments : [...segments, extraKey];
  return all.reduce<string>((acc, s) => (typeof s === 'number' ? `${acc}[${s}]` : acc ? `${acc}.${String(s)}` : String(s)), '');
}
