import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import path from 'node:path';
import { DrydockError, isOwnerName } from '@drydock/core';
import type { BuildSecretFile } from '@drydock/docker';
import { isInside } from './checkout-paths.js';
import { SECRET_NAME } from './config-schema.js';

/** BuildKit refuses secrets larger than this; so does Drydock, before building. */
export const MAX_SECRET_BYTES = 500 * 1024;

/** A build secret as the build step passes it (`id`, `src`), with its value: masked in the log and the build's error. */
export interface BuildSecret extends BuildSecretFile {
  value: string;
}

/**
 * The repository's build secrets that `.drydock.yml` names: each is the file
 * `<secretsDir>/<owner>/<repo>/<name>` (the repository as the build names it, case and all).
 * Each must be a regular file whose real path (symlinks resolved) stays inside that
 * repository's own directory, itself inside `secretsDir`: a symlink to another repository's
 * secret, or anywhere else, is refused. A secret that is not there, or is refused, rejects
 * `config_invalid` naming the secret, never its value or where the secrets live.
 */
export async function resolveSecrets(secretsDir: string | undefined, repo: string, names: readonly string[]): Promise<Map<string, BuildSecret>> {
  const secrets = new Map<string, BuildSecret>();
  if (names.length === 0) return secrets;
  const shown = (name: string) => `DRYDOCK_SECRETS_DIR/${repo}/${name}`;
  if (secretsDir === undefined) throw missing(names[0], repo, 'no secrets are set up here (DRYDOCK_SECRETS_DIR is not set)');
  if (!isOwnerName(repo)) throw new DrydockError('config_invalid', `build secrets: "${repo}" is not owner/name`);
  const root = await realpath(secretsDir).catch(() => null);
  const repoDir = root && (await realpath(path.join(root, ...repo.split('/'))).catch(() => null));
  for (const name of names) {
    if (!SECRET_NAME.test(name)) throw missing(name, repo, 'it is not a secret name');
    if (!root || !repoDir) throw missing(name, repo, `there is no ${shown(name)}`);
    if (!isInside(root, repoDir)) throw missing(name, repo, `DRYDOCK_SECRETS_DIR/${repo} leads outside DRYDOCK_SECRETS_DIR: refused`);
    const real = await realpath(path.join(repoDir, name)).catch(() => null);
    if (real === null) throw missing(name, repo, `there is no ${shown(name)}`);
    if (!isInside(repoDir, real) || real === repoDir) throw missing(name, repo, `${shown(name)} leads outside the repository's secrets directory: refused`);
    secrets.set(name, { id: name, src: real, value: await readSecret(real, name, repo) });
  }
  return secrets;
}

/** Reads the secret without following a symlink swapped in since its realpath, and only a regular file, at most MAX_SECRET_BYTES. */
async function readSecret(file: string, name: string, repo: string): Promise<string> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(() => null);
  if (!handle) throw missing(name, repo, 'it cannot be read');
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw missing(name, repo, 'it is not a regular file');
    if (stats.size > MAX_SECRET_BYTES) throw missing(name, repo, `it is larger than ${MAX_SECRET_BYTES} bytes`);
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

const missing = (name: string, repo: string, why: string) => new DrydockError('config_invalid', `build secret "${name}" of ${repo} is not available: ${why}`);
