import type { Build } from './api';

export const shortSha = (sha: string): string => sha.slice(0, 7);

export function durationMs(from: string | null, to: string | null, now = Date.now()): number | null {
  if (!from) return null;
  return (to ? Date.parse(to) : now) - Date.parse(from);
}

export function formatDuration(ms: number | null): string {
  if (ms === null || Number.isNaN(ms)) return '–';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

export function age(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

/** What the build is of: PR #n, tag, or branch. */
export function refLabel(b: Build): string {
  if (b.pullRequest) return `PR #${b.pullRequest}`;
  if (b.ref.startsWith('refs/tags/')) return b.ref.slice('refs/tags/'.length);
  if (b.branch) return b.branch;
  return b.ref.replace(/^refs\/heads\//, '');
}

export const isFinished = (status: string): boolean => ['success', 'failure', 'error', 'cancelled'].includes(status);
