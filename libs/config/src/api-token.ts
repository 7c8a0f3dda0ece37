import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { ConfigInvalidError, secretList, type AppConfig } from './app-config.js';

/** The file under the data dir that holds the generated API token. */
export const API_TOKEN_FILE = 'api-token';

/** Where the API token came from, for one start-up log line (never the token itself). */
export type ApiTokenOrigin = { kind: 'environment' } | { kind: 'file'; file: string; created: boolean };

/**
 * The API is closed by default: with DRYDOCK_API_TOKEN unset, the token is the one in
 * `<dataDir>/api-token`, generated at the first start (mode 0600). The file appears whole or
 * not at all (written to a temporary file, then hard-linked into place, which fails when the
 * name exists), so an API and a worker starting together agree: the loser reads the winner's.
 * Returns the config with `apiToken` set and the token in the mask list.
 */
export function withApiToken(config: AppConfig): { config: AppConfig; origin: ApiTokenOrigin } {
  if (config.apiToken) return { config, origin: { kind: 'environment' } };
  const file = path.join(config.dataDir, API_TOKEN_FILE);
  const created = createOnce(file, randomBytes(32).toString('base64url'));
  const token = readFileSync(file, 'utf8').trim();
  if (token.length < 16) throw new ConfigInvalidError(`${file}: the API token there is shorter than 16 characters; remove the file to generate a new one`);
  return {
    config: { ...config, apiToken: token, secrets: secretList([...config.secrets, token]) },
    origin: { kind: 'file', file, created },
  };
}

/** What to log about the token: where it is, never what it is. */
export function describeApiTokenOrigin(origin: ApiTokenOrigin): string {
  switch (origin.kind) {
    case 'environment':
      return 'API token: DRYDOCK_API_TOKEN';
    case 'file':
      return origin.created
        ? `API token: generated into ${origin.file} (mutating API calls need "Authorization: Bearer <its content>")`
        : `API token: read from ${origin.file}`;
  }
}

/** Writes `content` to `file` unless it exists; true when this call created it. */
function createOnce(file: string, content: string): boolean {
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, `${content}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(temp);
  }
}
