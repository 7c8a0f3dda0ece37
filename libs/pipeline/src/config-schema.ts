import picomatch from 'picomatch';
import { z } from 'zod';
import { MAX_IMAGES, timeoutSchema } from './config-bounds.js';

/**
 * The schema of `.drydock.yml`, in zod: `loadDrydockConfig` validates with it, and
 * `drydockJsonSchema` publishes it as JSON Schema (`npm run schema` writes
 * config/drydock.schema.json; a unit test keeps that file in step with this one).
 */

/** Globs one `branches:` or `paths:` list may hold. */
export const MAX_GLOBS = 100;
/** Secrets one image may name. */
export const MAX_SECRETS = 50;

/** A build secret's name: a file name under the repository's secrets directory, never `.` or `..`. */
export const SECRET_NAME = /^(?!\.{1,2}$)[A-Za-z0-9_.-]{1,128}$/;

const commandList = z.union([z.string().min(1).transform((c) => [c]), z.array(z.string().min(1))]);

/** One glob or a list of them (picomatch syntax); an empty list is refused, since it would match nothing. */
const globList = (what: string) => {
  const glob = z.string().min(1, 'must not be empty');
  return z
    .union([glob.transform((g) => [g]), z.array(glob).min(1, `must list at least one glob; leave it out to build on every ${what}`)])
    .pipe(z.array(z.string().max(500).refine(compiles, 'is not a valid glob')).max(MAX_GLOBS));
};

function compiles(glob: string): boolean {
  try {
    picomatch.makeRe(glob);
    return true;
  } catch {
    return false;
  }
}

const imageSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/, 'must be a lowercase image name like "api" or "team/api"')
    .optional()
    .describe('Image name under <registry>/<owner>/; default: the repository name. Required to be distinct with several images.'),
  context: z.string().min(1).default('.').describe('Build context, relative to the repository root.'),
  dockerfile: z.string().min(1).default('Dockerfile').describe('Dockerfile, relative to the context.'),
  target: z.string().min(1).optional().describe('Build stage to stop at (docker build --target).'),
  build_args: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a variable name'), z.union([z.string(), z.number(), z.boolean()]).transform(String))
    .default({})
    .describe('Build arguments (docker build --build-arg).'),
  test: commandList.default([]).describe('Commands run with sh -c in the built image; each must exit 0.'),
  branches: globList('branch')
    .optional()
    .describe('Branch globs (`*` stays within one path segment, `**` crosses them): on a branch build the image is built only when the branch matches. Tag and pull request builds are not filtered.'),
  paths: globList('change')
    .optional()
    .describe('File globs relative to the repository root (`!` excludes): the image is built only when the change touched a matching file. A build with nothing to compare against builds it.'),
  secrets: z
    .array(z.string().regex(SECRET_NAME, 'must be a secret name of letters, digits, _ . - (not . or ..)'))
    .max(MAX_SECRETS)
    .default([])
    .describe('Build secrets, from DRYDOCK_SECRETS_DIR/<owner>/<repo>/<name>, mounted with RUN --mount=type=secret,id=<name>. Never given to builds of forks.'),
});

export const configSchema = z.strictObject({
  timeout: timeoutSchema.optional().describe('How long the build may run: seconds, or a duration like "90s", "10m", "1h30m" (at most 24h; never more than DRYDOCK_BUILD_TIMEOUT).'),
  supersede: z.boolean().default(true).describe('A newer push to the same branch (or pull request) cancels this one while it is queued or running.'),
  images: z
    .array(imageSchema)
    .min(1, 'must list at least one image')
    .max(MAX_IMAGES)
    .default([{ context: '.', dockerfile: 'Dockerfile', build_args: {}, test: [], secrets: [] }])
    .describe('What to build; default: ./Dockerfile with context `.`.'),
});

export type ImageConfig = z.infer<typeof imageSchema>;

/** `.drydock.yml` as JSON Schema (draft 2020-12): what a file may say, as written (before defaults and conversions). */
export function drydockJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' });
  return {
    $schema: schema.$schema,
    title: '.drydock.yml',
    description: 'Drydock repository config: what to build, test and push, and when.',
    ...schema,
  };
}

/** Where the published schema lives, relative to the repository root. */
export const DRYDOCK_SCHEMA_FILE = 'config/drydock.schema.json';

/** The text of config/drydock.schema.json. */
export const drydockJsonSchemaText = (): string => `${JSON.stringify(drydockJsonSchema(), null, 2)}\n`;
