import { constants, type Stats } from 'node:fs';
import { lstat, open, opendir, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '@drydock/core';

/** Config files (`.drydock.yml`, compose files) larger than this are refused unread. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** A build context with more entries than this is refused: the symlink walk stays bounded. */
export const MAX_CONTEXT_ENTRIES = 250_000;

/** Where a path came from, for the error: the config file and the field that named it. */
export interface PathSource {
  file: string;
  field: string;
}

/** Whether `candidate` (absolute) is `root` or below it, lexically. */
export function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (!relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative));
}

/**
 * Resolves `relative` against `base` with realpath and requires the result inside `root`
 * (itself a realpath). Resolves with the real path, or null when nothing exists there
 * (lexically inside). Never opens anything.
 */
export async function resolveInside(root: string, base: string, relative: string, source: PathSource): Promise<string | null> {
  const lexical = path.resolve(base, relative);
  if (path.isAbsolute(relative) || !isInside(root, lexical)) {
    throw new ConfigError(source.file, source.field, `"${relative}" must be a relative path inside the repository`);
  }
  let real: string;
  try {
    real = await realpath(lexical);
  } catch (err) {
    if (codeOf(err) === 'ENOENT') return null;
    throw new ConfigError(source.file, source.field, `"${relative}" cannot be resolved (${codeOf(err) ?? 'error'})`);
  }
  if (!isInside(root, real)) throw new ConfigError(source.file, source.field, `"${relative}" leads out of the repository through a symlink`);
  return real;
}

/**
 * Reads a config file of the checkout: null when absent; refused (naming the file) unless it
 * is a regular file (not a symlink, FIFO, device or directory) of at most `MAX_CONFIG_BYTES`.
 * Checked with lstat before opening, opened with O_NOFOLLOW | O_NONBLOCK, read with a bound.
 */
export async function readConfigFile(checkoutDir: string, file: string): Promise<string | null> {
  const full = path.join(checkoutDir, file);
  const refuse = (problem: string) => new ConfigError(file, '', problem);
  let stats: Stats;
  try {
    stats = await lstat(full);
  } catch (err) {
    if (codeOf(err) === 'ENOENT') return null;
    throw refuse(`cannot be read (${codeOf(err) ?? 'error'})`);
  }
  if (!stats.isFile()) throw refuse(`must be a regular file in the repository, not ${kindOf(stats)}`);
  if (stats.size > MAX_CONFIG_BYTES) throw refuse(`is ${stats.size} bytes; the limit is ${MAX_CONFIG_BYTES} (1 MiB)`);
  const handle = await open(full, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((err: unknown) => {
    throw refuse(`cannot be opened (${codeOf(err) ?? 'error'}); it must be a regular file`);
  });
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) throw refuse(`must be a regular file in the repository, not ${kindOf(opened)}`);
    const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > MAX_CONFIG_BYTES) throw refuse(`is larger than ${MAX_CONFIG_BYTES} bytes (1 MiB)`);
    return buffer.toString('utf8', 0, length);
  } finally {
    await handle.close();
  }
}

/** Requires an existing regular file (after symlinks, which must stay inside `root`); resolves with its real path. */
export async function regularFileInside(root: string, base: string, relative: string, source: PathSource): Promise<string> {
  const real = await resolveInside(root, base, relative, source);
  if (real === null) throw new ConfigError(source.file, source.field, `"${path.relative(root, path.resolve(base, relative))}" does not exist in the repository`);
  const stats = await stat(real);
  if (!stats.isFile()) throw new ConfigError(source.file, source.field, `"${relative}" must be a regular file, not ${kindOf(stats)}`);
  return real;
}

/**
 * Walks a build context (a real directory inside `root`) without following symlinked
 * directories, and refuses the first symlink whose target leads out of `root`, naming it.
 * Symlinks that stay inside are fine; .dockerignore is not consulted (it does not make one safe).
 */
export async function refuseEscapingSymlinks(root: string, contextDir: string, source: PathSource): Promise<void> {
  const pending = [contextDir];
  let entries = 0;
  while (pending.length > 0) {
    const dir = pending.pop() as string;
    for await (const entry of await opendir(dir)) {
      if (++entries > MAX_CONTEXT_ENTRIES) {
        throw new ConfigError(source.file, source.field, `the build context has more than ${MAX_CONTEXT_ENTRIES} files and directories`);
      }
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) pending.push(full);
      else if (entry.isSymbolicLink() && !(await symlinkStaysInside(root, full))) {
        const target = await readlink(full).catch(() => '?');
        throw new ConfigError(source.file, source.field, `symlink "${path.relative(root, full)}" leads out of the repository (to "${target}"); refused`);
      }
    }
  }
}

async function symlinkStaysInside(root: string, link: string): Promise<boolean> {
  const target = await readlink(link);
  if (!isInside(root, path.resolve(path.dirname(link), target))) return false;
  try {
    return isInside(root, await realpath(link));
  } catch (err) {
    return codeOf(err) === 'ENOENT'; // dangling, but lexically inside: harmless; a loop or worse is refused
  }
}

function kindOf(stats: Stats): string {
  if (stats.isSymbolicLink()) return 'a symlink';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isSocket()) return 'a socket';
  return 'a special file';
}

function codeOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}
