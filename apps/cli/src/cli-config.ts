import { UsageError } from './cli-errors.js';

export const DEFAULT_URL = 'http://localhost:3000';

/** Where the CLI finds Drydock; read once from the environment. */
export interface CliConfig {
  /** Base URL without a trailing slash. */
  url: string;
  token: string | null;
}

export function loadCliConfig(env: NodeJS.ProcessEnv): CliConfig {
  const url = env.DRYDOCK_URL?.trim() || DEFAULT_URL;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new UsageError(`DRYDOCK_URL is not a valid URL: ${url}`, { cause: err });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`DRYDOCK_URL must start with http:// or https://: ${url}`);
  }
  return { url: url.replace(/\/+$/, ''), token: env.DRYDOCK_API_TOKEN?.trim() || null };
}
