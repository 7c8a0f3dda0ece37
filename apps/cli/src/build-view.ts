import type { ApiBuild, ApiCommitAuthor } from './api-client.js';
import { printable, type Palette } from './colours.js';
import { age, humanDuration, shortRef, shortSha, span, table, truncate, type Cell } from './format.js';

const orDash = (ms: number | null): string => (ms === null ? '-' : humanDuration(ms));

/** Titles longer than this are cut in the list (`show` prints them whole). */
const TITLE_WIDTH = 60;

/** `ada` (the login), else the name; empty when unknown or from a server that does not say. */
export const authorLabel = (author: ApiCommitAuthor | null | undefined): string => author?.login ?? author?.name ?? '';

/** The list of `drydock builds`; TITLE and AUTHOR only when some build has them (older servers send neither). */
export function buildsTable(builds: readonly ApiBuild[], now: number, palette: Palette): string {
  const withTitle = builds.some((b) => b.title);
  const withAuthor = builds.some((b) => authorLabel(b.author));
  const header: Cell[] = ['ID', 'STATUS', 'REPO', 'REF', 'SHA', 'AGE', 'DURATION'];
  if (withAuthor) header.push('AUTHOR');
  if (withTitle) header.push('TITLE');
  const rows = builds.map((b) => {
    const row: Cell[] = [
      String(b.id),
      { text: b.status, paint: palette.status(b.status) },
      b.repo,
      shortRef(b.ref),
      shortSha(b.sha),
      age(b.createdAt, now),
      orDash(span(b.startedAt, b.finishedAt, now)),
    ];
    if (withAuthor) row.push(authorLabel(b.author));
    if (withTitle) row.push(truncate(b.title ?? '', TITLE_WIDTH));
    return row;
  });
  return table([header.map((h) => ({ text: String(h), paint: palette.bold })), ...rows]);
}

/** The `show` page: summary, steps with durations, images with tags and digest, error. */
export function buildDetails(b: ApiBuild, now: number, palette: Palette): string {
  const summary: Cell[][] = [
    ['repo', b.repo],
    ['ref', b.ref],
    ['sha', b.sha ?? '(resolved when cloned)'],
  ];
  if (b.title) summary.push(['title', b.title]);
  if (b.author) summary.push(['author', b.author.login ? `${b.author.name} (${b.author.login})` : b.author.name]);
  summary.push(['event', b.event], ['created', `${b.createdAt} (${age(b.createdAt, now)})`], ['duration', orDash(span(b.startedAt, b.finishedAt, now))]);
  if (b.retryOf) summary.push(['retry of', `#${b.retryOf} (from its failed step)`]);
  else if (b.rebuildOf) summary.push(['rebuild of', `#${b.rebuildOf}`]);
  let text = `Build #${b.id} · ${palette.status(b.status)(b.status)}\n` + table(summary, '  ');
  if (b.steps.length) text += '\nSteps\n' + stepsTable(b, now, palette, '  ');
  if (b.images.length) {
    text += '\nImages\n';
    for (const image of b.images) {
      const rows = [['tags', image.tags.join(', ') || '-'], ['digest', image.digest ?? '-']];
      text += `  ${printable(image.name)}\n` + table(rows, '    ');
    }
  }
  if (b.error) text += `\nError\n  ${printable(b.error, true).replace(/\n/g, '\n  ')}\n`;
  return text;
}

/** One line per step: name, status, time taken (or running for), image. */
export function stepsTable(b: ApiBuild, now: number, palette: Palette, indent: string): string {
  const steps = b.steps.map((s) => [s.name, { text: s.status, paint: palette.status(s.status) }, orDash(span(s.startedAt, s.finishedAt, now)), s.image ?? '']);
  return table(steps, indent);
}

/** The closing lines of `--wait` and `watch`: final status, time taken, and (on success) every pushed `image:tag`. */
export function buildOutcome(b: ApiBuild, now: number, palette: Palette): string {
  const took = span(b.startedAt, b.finishedAt, now);
  let text = `#${b.id} ${palette.status(b.status)(b.status)}${took === null ? '' : ` in ${humanDuration(took)}`}`;
  text += b.error ? `: ${printable(b.error)}\n` : '\n';
  if (b.status !== 'success') return text;
  for (const image of b.images) for (const tag of image.tags) text += `  ${printable(`${image.name}:${tag}`)}\n`;
  return text;
}

/** `#42 running · acme/app main 0123456 · Fix the thing (ada)`: what a build is, on one line. */
export function buildHeadline(b: ApiBuild, palette: Palette): string {
  let line = `#${b.id} ${palette.status(b.status)(b.status)} · ${printable(`${b.repo} ${shortRef(b.ref)}`)} ${shortSha(b.sha)}`;
  if (b.title) line += ` · ${printable(truncate(b.title, TITLE_WIDTH))}`;
  const author = authorLabel(b.author);
  if (author) line += ` (${printable(author)})`;
  return line;
}
