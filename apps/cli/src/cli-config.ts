import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from './cli-errors.js';

export const DEFAULT_URL = 'http://localhost:3000';

/** The file the server generates its API token into, under its data dir. */
const API_TOKEN_FILE = 'api-token';

/** Where the CLI finds Drydock; read once from the flags and the environment. */
export interface CliConfig {
  /** Base URL without a trailing slash. */
  url: string;
  token: string | null;
  /** Where the token came from (`--token`, `DRYDOCK_API_TOKEN` or the file's path), for messages. */
  tokenSource: string | null;
}

/** `--server` and `--token`, which win over the environment. */
export interface CliFlags {
  server?: string;
  token?: string;
}

/**
 * The server from `--server`, else DRYDOCK_URL; the token from `--token`, else
 * DRYDOCK_API_TOKEN, else the file the server generated (`<DRYDOCK_DATA_DIR or ./data>/api-token`).
 */
export function loadCliConfig(env: NodeJS.ProcessEnv, flags: CliFlags = {}): CliConfig {
  const url = flags.server?.trim() || env.DRYDOCK_URL?.trim() || DEFAULT_URL;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new UsageError(`DRYDOCK_URL is not a valid URL: ${url}`, { cause: err });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`DRYDOCK_URL must start with http:// or https://: ${url}`);
  }
  return { url: url.replace(/\/+$/, ''), ...tokenOf(env, flags) };
}

function tokenOf(env: NodeJS.ProcessEnv, flags: CliFlags): Pick<CliConfig, 'token' | 'tokenSource'> {
  if (flags.token?.trim()) return { token: flags.token.trim(), tokenSource: '--token' };
  if (env.DRYDOCK_API_TOKEN?.trim()) return { token: env.DRYDOCK_API_TOKEN.trim(), tokenSource: 'DRYDOCK_API_TOKEN' };
  const file = path.resolve(env.DRYDOCK_DATA_DIR?.trim() || './data', API_TOKEN_FILE);
  let token = '';
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch {
    // no such file, or not ours to read: no token, and a 401 says how to give one
  }
  return token ? { token, tokenSource: file } : { token: null, tokenSource: null };
}
