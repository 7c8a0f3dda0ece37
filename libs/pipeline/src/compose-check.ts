import { stat } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { ConfigError } from '@drydock/core';
import type { ComposeModel, ComposeTestOptions } from '@drydock/docker';
import { readConfigFile, refuseEscapingSymlinks, resolveInside } from './checkout-paths.js';
import { checkComposeModel, type CheckedCompose } from './compose-allow.js';
import { composeFilesRead, composeModelPaths, composeVariables, firstOutside, type ComposePath } from './compose-paths.js';
import type { StepContext } from './step-context.js';

/** Compose files (the test file, its `include`s and `extends` files) one check reads at most. */
const MAX_COMPOSE_FILES = 20;

/** Variables compose may interpolate besides those the repository's `.env` defines. */
const GIVEN_VARIABLES = ['DRYDOCK_IMAGE', 'COMPOSE_PROJECT_NAME'];

/**
 * Refuses a compose test file that reaches out of the checkout (`root`, a realpath) or asks
 * for more than a test may have: first the files compose would read while resolving it
 * (regular files inside, no variables in their paths, no `${VAR}` but DRYDOCK_IMAGE and the
 * `.env`'s), then, on the model compose resolves, the allow-list (`checkComposeModel`), and
 * every build context, Dockerfile, env file and secret file, by realpath, with no symlink in a
 * build context leading out. Resolves with the checked model, which is what the test runs.
 *
 * `trusted` (see `composeTrust`) widens the allow-list and lets the engine mount host paths
 * (bind mounts, secret and config files, device volumes) from anywhere; the `${VAR}` rule and
 * the files the worker itself reads (those compose reads, build contexts, Dockerfiles) stay as they are.
 */
export async function checkComposeFile(
  root: string,
  composeFile: string,
  resolve: (o: Pick<ComposeTestOptions, 'projectDir' | 'composeFile'>) => Promise<unknown>,
  trusted = false,
): Promise<CheckedCompose> {
  const dotEnv = await readConfigFile(root, '.env'); // compose reads it for interpolation: a regular file, if any
  await checkFilesRead(root, composeFile, new Set([...GIVEN_VARIABLES, ...dotEnvNames(dotEnv ?? '')]), trusted);
  const checked = checkComposeModel(composeFile, await resolve({ projectDir: root, composeFile: path.join(root, composeFile) }), trusted);
  const all = composeModelPaths(checked.model);
  const mounted = trusted ? all.filter((p) => p.kind === 'bind') : [];
  const paths = all.filter((p) => !mounted.includes(p));
  const outside = firstOutside(root, root, paths);
  if (outside) throw new ConfigError(composeFile, outside.field, outsideRepository(outside.path, trusted));
  for (const p of paths) await checkInside(root, composeFile, p, path.relative(root, p.path));
  const named = (field: string) => checked.trustedFields.some((f) => field === f || field.startsWith(`${f}.`)); // a bind mount, named already
  const mountedOutside = mounted.filter((p) => firstOutside(root, root, [p]) && !named(p.field)).map((p) => p.field);
  return { ...checked, trustedFields: [...checked.trustedFields, ...mountedOutside] };
}

const outsideRepository = (p: string, trusted: boolean) =>
  `"${p}" is outside the repository; compose paths must stay inside it${trusted ? ' (only what the engine mounts may leave it, even for a trusted repository)' : ''}`;

/**
 * `checkComposeFile` with the build's rights (`ctx.composeTrust`, absent: untrusted), saying in the build log
 * what a trusted repository's compose file is allowed beyond the allow-list, or why a listed repository's is not.
 */
export async function checkBuildCompose(ctx: StepContext, root: string, composeFile: string, resolve: Parameters<typeof checkComposeFile>[2]): Promise<ComposeModel> {
  const trust = ctx.composeTrust;
  if (trust?.listed && !trust.trusted) ctx.log.line(`compose: ${trust.repo} is listed in DRYDOCK_TRUSTED_REPOS, but this build is of a fork's code: the allow-list applies`);
  const checked = await checkComposeFile(root, composeFile, resolve, trust?.trusted === true);
  if (trust?.trusted) {
    const allowed = checked.trustedFields.length > 0 ? `${checked.trustedFields.join(', ')} allowed` : 'nothing beyond the allow-list used';
    ctx.log.line(`compose: ${trust.repo} is a trusted repository (DRYDOCK_TRUSTED_REPOS): ${allowed}`);
  }
  return checked.model;
}

async function checkFilesRead(root: string, composeFile: string, variables: ReadonlySet<string>, trusted: boolean): Promise<void> {
  const pending = [composeFile];
  const seen = new Set(pending);
  while (pending.length > 0) {
    const file = pending.shift() as string;
    const text = await readConfigFile(root, file);
    if (text === null) throw new ConfigError(file, '', 'does not exist in the repository');
    let raw: unknown;
    try {
      raw = parse(text);
    } catch {
      continue; // compose reports the syntax error itself
    }
    const unknown = composeVariables(raw).find((v) => !variables.has(v.name));
    if (unknown) {
      const even = trusted ? ', even a trusted repository\'s,' : '';
      throw new ConfigError(file, unknown.field, `\${${unknown.name}} is not available: compose files${even} may use DRYDOCK_IMAGE and the variables the repository's .env defines`);
    }
    for (const ref of composeFilesRead(raw)) {
      if (ref.path.includes('$')) throw new ConfigError(file, ref.field, `"${ref.path}" must be a plain path inside the repository, without variables`);
      const base = path.dirname(path.join(root, file));
      if (firstOutside(root, base, [ref])) throw new ConfigError(file, ref.field, outsideRepository(ref.path, trusted));
      const relative = path.relative(root, path.resolve(base, ref.path));
      const real = await checkInside(root, file, ref, relative);
      if (real && ref.kind === 'file' && /\.ya?ml$/.test(ref.path) && !seen.has(relative)) {
        if (seen.size >= MAX_COMPOSE_FILES) throw new ConfigError(file, ref.field, `more than ${MAX_COMPOSE_FILES} compose files`);
        seen.add(relative);
        pending.push(relative);
      }
    }
  }
}

/** Realpath inside `root`; a file must be a regular one, a context is walked for symlinks. Null when nothing is there. */
async function checkInside(root: string, file: string, p: ComposePath, relative: string): Promise<string | null> {
  const source = { file, field: p.field };
  const real = await resolveInside(root, root, relative || '.', source);
  if (real === null) return null;
  const stats = await stat(real);
  if (p.kind === 'file' && !stats.isFile()) throw new ConfigError(file, p.field, `"${p.path}" must be a regular file`);
  if (p.kind === 'context' && stats.isDirectory()) await refuseEscapingSymlinks(root, real, source);
  return real;
}

/** The names a `.env` file defines (`NAME=…`, `export NAME=…`). */
export function dotEnvNames(text: string): string[] {
  return [...text.matchAll(/^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*=/gm)].map((m) => m[1]);
}
