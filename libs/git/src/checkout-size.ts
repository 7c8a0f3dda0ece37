import { spawn } from 'node:child_process';
import { DrydockError } from '@drydock/core';

/**
 * The bytes a commit's work tree would take: the sum of its blobs' sizes, read from
 * `git ls-tree -r -l` in the mirror as a stream (memory stays flat, whatever the tree holds),
 * before anything is written. Submodules count as nothing. Aborting kills git.
 */
export async function checkoutSizeOf(gitDir: string, sha: string, signal: AbortSignal): Promise<number> {
  const child = spawn('git', ['--git-dir', gitDir, 'ls-tree', '-r', '-l', '-z', '--end-of-options', sha], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', GIT_TERMINAL_PROMPT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    signal,
  });
  let total = 0;
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-2000)));
  // `-z` ends each entry with NUL: "<mode> <type> <object> <size>\t<path>"; sizes are `-` for submodules.
  let pending = '';
  child.stdout.setEncoding('utf8');
  const done = new Promise<number>((resolve, reject) => {
    child.on('error', (err) => reject(signal.aborted ? new DrydockError('cancelled', 'cancelled') : err));
    child.on('close', (code) => {
      if (signal.aborted) reject(new DrydockError('cancelled', 'cancelled'));
      else if (code !== 0) reject(new DrydockError('clone_failed', `git ls-tree ${sha} failed: ${stderr.trim()}`));
      else resolve(total + sizeOf(pending));
    });
  });
  child.stdout.on('data', (chunk: string) => {
    const parts = (pending + chunk).split('\0');
    pending = parts.pop() ?? '';
    for (const part of parts) total += sizeOf(part);
  });
  return done;
}

function sizeOf(entry: string): number {
  const meta = entry.slice(0, entry.indexOf('\t'));
  const size = Number(meta.split(' ').filter(Boolean)[3]);
  return Number.isFinite(size) ? size : 0;
}

/** `12.3 MiB`, for messages. */
export function formatMiB(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return `${mib >= 100 ? Math.round(mib) : mib.toFixed(1)} MiB`;
}
