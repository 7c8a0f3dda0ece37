import { DrydockError } from './errors.js';

const OWNER_NAME = /^[\w.-]+\/[\w.-]+$/;

/** `owner/name` as GitHub spells a repository (no URL, no extra path). */
export const isOwnerName = (value: string): boolean => OWNER_NAME.test(value) && !value.split('/').some((part) => /^\.+$/.test(part));

/** `owner/name` -> `{ owner, name }`; anything else is an `invalid_request`. */
export function splitOwnerName(value: string): { owner: string; name: string } {
  if (!isOwnerName(value)) throw new DrydockError('invalid_request', `repo: "${value}" is not owner/name`);
  const [owner, name] = value.split('/');
  return { owner, name };
}

/** `https://host/owner/name.git` -> `owner/name`: the last two path segments of an http(s) git URL. */
export function ownerNameOfUrl(gitUrl: string): string {
  let url: URL;
  try {
    url = new URL(gitUrl);
  } catch {
    throw new DrydockError('invalid_request', 'repo: must be owner/name of a repository built before, or an http(s) git URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new DrydockError('invalid_request', 'repo: only http(s) git URLs are supported');
  const parts = url.pathname.replace(/\.git$/, '').split('/').filter(Boolean);
  if (parts.length < 2) throw new DrydockError('invalid_request', 'repo: the URL must name owner/repository');
  const name = parts.slice(-2).join('/');
  if (!isOwnerName(name)) throw new DrydockError('invalid_request', `repo: "${name}" is not a repository name`);
  return name;
}
