import path from 'node:path';
import { withoutCredentials } from '@drydock/core';

/** Pure rules about clone URLs: where a repository's mirror lives, how it is shown, who may see a token. */

interface ParsedCloneUrl {
  /** `host` or `host:port`; `local` for file paths. */
  host: string;
  /** Path segments after the host. */
  segments: string[];
}

const SCP_LIKE = /^(?:[^@/]+@)?([^:/]+):(?!\/\/)(.+)$/; // git@github.com:owner/repo.git

/** Null for anything git should not be handed: `ext::`, option-like strings, unknown schemes. */
export function parseCloneUrl(cloneUrl: string): ParsedCloneUrl | null {
  if (cloneUrl.startsWith('-') || /^[A-Za-z][A-Za-z0-9+.-]*::/.test(cloneUrl)) return null; // options, `ext::` helpers
  if (cloneUrl.startsWith('/')) return { host: 'local', segments: splitPath(cloneUrl) };
  const scp = SCP_LIKE.exec(cloneUrl);
  if (scp && !cloneUrl.includes('://')) return { host: scp[1], segments: splitPath(scp[2]) };
  let url: URL;
  try {
    url = new URL(cloneUrl);
  } catch {
    return null;
  }
  if (!['http:', 'https:', 'ssh:', 'git:', 'file:'].includes(url.protocol)) return null;
  return { host: url.protocol === 'file:' ? 'local' : url.host, segments: splitPath(decodeURIComponent(url.pathname)) };
}

/** `<dataDir>/git/<host>/<owner>/<repo>.git`, every part made safe as one directory name. */
export function mirrorDirFor(dataDir: string, cloneUrl: string): string {
  const parsed = parseCloneUrl(cloneUrl);
  if (!parsed) throw new TypeError(`not a clone URL: ${displayUrl(cloneUrl)}`);
  const segments = parsed.segments.length > 0 ? parsed.segments : ['repo'];
  const last = segments.length - 1;
  const parts = segments.map((s, i) => safeName(i === last ? s.replace(/\.git$/, '') : s));
  parts[last] += '.git';
  return path.join(dataDir, 'git', safeName(parsed.host), ...parts);
}

/** The URL without user name or password, for messages and logs. */
export const displayUrl = withoutCredentials;

/**
 * The host a GitHub token belongs to, as `hostname:port`: github.com for api.github.com,
 * otherwise (GitHub Enterprise, a local fake) the API's own host and port.
 */
export function githubGitHost(githubApiUrl: string): string {
  const api = new URL(githubApiUrl);
  if (api.hostname === 'api.github.com') return `github.com:${effectivePort(api)}`;
  return `${api.hostname}:${effectivePort(api)}`;
}

/** A token is sent only over HTTPS to the GitHub host of `githubApiUrl`, same host and same port; never over plain `http://`. */
export function mayReceiveToken(cloneUrl: string, githubApiUrl: string): boolean {
  let url: URL;
  try {
    url = new URL(cloneUrl);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:') return false;
  return `${url.hostname}:${effectivePort(url)}` === githubGitHost(githubApiUrl);
}

function effectivePort(url: URL): string {
  return url.port || (url.protocol === 'http:' ? '80' : '443');
}

function splitPath(p: string): string[] {
  return p.split('/').filter((s) => s !== '' && s !== '.' && s !== '..');
}

function safeName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return safe.startsWith('.') ? `_${safe}` : safe;
}
