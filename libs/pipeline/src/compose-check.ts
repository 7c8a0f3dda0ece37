import { stat } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { ConfigError } from '@drydock/core';
import type { ComposeModel, ComposeTestOptions } from '@drydock/docker';
import { readConfigFile, refuseEscapingSymlinks, resolveInside } from './checkout-paths.js';
import { checkComposeModel } from './compose-allow.js';
import { composeFilesRead, composeModelPaths, composeVariables, firstOutside, type ComposePath } from './compose-paths.js';

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
 */
export async function checkComposeFile(root: string, composeFile: string, resolve: (o: Pick<ComposeTestOptions, 'projectDir' | 'composeFile'>) => Promise<unknown>): Promise<ComposeModel> {
  const dotEnv = await readConfigFile(root, '.env'); // compose reads it for interpolation: a regular file, if any
  await checkFilesRead(root, composeFile, new Set([...GIVEN_VARIABLES, ...dotEnvNames(dotEnv ?? '')]));
  const model = checkComposeModel(composeFile, await resolve({ projectDir: root, composeFile: path.join(root, composeFile) }));
  const paths = composeModelPaths(model);
  const outside = firstOutside(root, root, paths);
  if (outside) throw new ConfigError(composeFile, outside.field, `"${outside.path}" is outside the repository; compose paths must stay inside it`);
  for (const p of paths) await checkInside(root, composeFile, p, path.relative(root, p.path));
  return model;
}

async function checkFilesRead(root: string, composeFile: string, variables: ReadonlySet<string>): Promise<void> {
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
      throw new ConfigError(file, unknown.field, `\${${unknown.name}} is not available: compose files may use DRYDOCK_IMAGE and the variables the repository's .env defines`);
    }
    for (const ref of composeFilesRead(raw)) {
      if (ref.path.includes('$')) throw new ConfigError(file, ref.field, `"${ref.path}" must be a plain path inside the repository, without variables`);
      const base = path.dirname(path.join(root, file));
      if (firstOutside(root, base, [ref])) throw new ConfigError(file, ref.field, `"${ref.path}" is outside the repository; compose paths must stay inside it`);
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
