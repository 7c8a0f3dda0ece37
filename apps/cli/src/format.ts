/** Plain-text formatting helpers for human output. */
import { printable, type Paint } from './colours.js';

/** A table cell: text from anywhere (made printable), optionally styled once padded. */
export type Cell = string | { text: string; paint: Paint };

/** Left-aligned columns separated by two spaces; trailing spaces trimmed; control characters shown as `?`. */
export function table(rows: readonly (readonly Cell[])[], indent = ''): string {
  const cells = rows.map((row) => row.map((cell) => (typeof cell === 'string' ? { text: printable(cell), paint: undefined } : { ...cell, text: printable(cell.text) })));
  const widths: number[] = [];
  for (const row of cells) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.text.length)));
  const line = (row: typeof cells[number]): string =>
    row.map((cell, i) => (cell.paint ? cell.paint(cell.text) : cell.text) + ' '.repeat((widths[i] ?? 0) - cell.text.length)).join('  ').trimEnd();
  return cells.map((row) => `${indent}${line(row)}\n`).join('');
}

/** At most `max` characters, cut with `…`. */
export const truncate = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** `17s`, `4m 05s`, `2h 03m`. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad2(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${pad2(Math.floor(s / 60) % 60)}m`;
}

/** A stopwatch reading: `00:17`, `12:04`, `1:02:03`. */
export function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const mmss = `${pad2(Math.floor(s / 60) % 60)}:${pad2(s % 60)}`;
  return s >= 3600 ? `${Math.floor(s / 3600)}:${mmss}` : mmss;
}

/** `5s ago`, `3m ago`, `2h ago`, `4d ago`. */
export function age(iso: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}

/** Time from `from` to `to` (or to now, while still running); null when it has not started. */
export function span(from: string | null, to: string | null, now: number): number | null {
  if (!from) return null;
  return (to ? Date.parse(to) : now) - Date.parse(from);
}

/** `refs/heads/main` -> `main`, `refs/tags/v1` -> `v1`; other refs unchanged. */
export function shortRef(ref: string): string {
  return ref.replace(/^refs\/(heads|tags)\//, '');
}

export const shortSha = (sha: string | null): string => (sha ? sha.slice(0, 7) : '-');

const pad2 = (n: number): string => String(n).padStart(2, '0');
