import { displayUrl, mayReceiveToken } from './repo-url.js';

/**
 * What a git child process is told, beyond its arguments: the environment it inherits and
 * the config it gets through `GIT_CONFIG_KEY_<n>` / `GIT_CONFIG_VALUE_<n>` (never `-c`, so
 * nothing secret shows in a process listing, and never the mirror's config, so nothing is stored).
 */

/** What a git child process may inherit: enough to find binaries, a home and a proxy; no GIT_* overrides. */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'SSH_AUTH_SOCK', 'SSL_CERT_FILE', 'SSL_CERT_DIR',
  'http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'ALL_PROXY'];

/** A transfer slower than `bytesPerSecond` for `seconds` in a row fails (git's http.lowSpeedLimit / lowSpeedTime). */
export interface LowSpeedLimit {
  bytesPerSecond: number;
  seconds: number;
}

export const DEFAULT_LOW_SPEED: LowSpeedLimit = { bytesPerSecond: 1000, seconds: 60 };

export interface GitRemote {
  /** The clone URL to put on the command line: never with a user name or password. */
  url: string;
  /** The `Authorization` header value sent to the URL's origin, if any. */
  authorization: string | undefined;
}

/**
 * Splits a clone URL into what may be shown and what is secret. Credentials go only over
 * HTTPS: the GitHub token when the URL's host is the GitHub host (`mayReceiveToken`), else a
 * user name and password written in the URL (`https://user:pass@host/x.git`). Over plain
 * `http://` nothing is sent, and credentials in the URL are dropped.
 */
export function gitRemote(cloneUrl: string, githubApiUrl: string, token: string | undefined): GitRemote {
  const url = displayUrl(cloneUrl);
  if (token && mayReceiveToken(cloneUrl, githubApiUrl)) return { url, authorization: basic('x-access-token', token) };
  let parsed: URL;
  try {
    parsed = new URL(cloneUrl);
  } catch {
    return { url, authorization: undefined };
  }
  if (parsed.protocol !== 'https:' || (!parsed.username && !parsed.password)) return { url, authorization: undefined };
  return { url, authorization: basic(decodeURIComponent(parsed.username), decodeURIComponent(parsed.password)) };
}

/** The environment of one git command: inherited basics, no prompts, the speed limit and the header scoped to the origin. */
export function gitEnvironment(remote: GitRemote, lowSpeed: LowSpeedLimit, parentEnv: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = { GIT_TERMINAL_PROMPT: '0' };
  for (const key of INHERITED_ENV) if (parentEnv[key] !== undefined) env[key] = parentEnv[key];
  const config: Array<[string, string]> = [
    ['http.lowSpeedLimit', String(lowSpeed.bytesPerSecond)],
    ['http.lowSpeedTime', String(lowSpeed.seconds)],
  ];
  if (remote.authorization) config.push([`http.${new URL(remote.url).origin}/.extraHeader`, `Authorization: ${remote.authorization}`]);
  env.GIT_CONFIG_COUNT = String(config.length);
  config.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

/** The names simple-git must be told to allow in `gitEnvironment`'s answer. */
export function allowedEnvironment(env: Record<string, string>): string[] {
  return Object.keys(env).filter((key) => key.startsWith('GIT_'));
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
