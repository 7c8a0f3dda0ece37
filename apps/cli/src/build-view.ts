import type { ApiBuild } from './api-client.js';
import { age, humanDuration, shortRef, shortSha, span, table } from './format.js';

const orDash = (ms: number | null): string => (ms === null ? '-' : humanDuration(ms));

export function buildsTable(builds: readonly ApiBuild[], now: number): string {
  const header = ['ID', 'STATUS', 'REPO', 'REF', 'SHA', 'AGE', 'DURATION'];
  const rows = builds.map((b) => [
    String(b.id),
    b.status,
    b.repo,
    shortRef(b.ref),
    shortSha(b.sha),
    age(b.createdAt, now),
    orDash(span(b.startedAt, b.finishedAt, now)),
  ]);
  return table([header, ...rows]);
}

/** The `show` page: summary, steps with durations, images with tags and digest, error. */
export function buildDetails(b: ApiBuild, now: number): string {
  const summary = [
    ['repo', b.repo],
    ['ref', b.ref],
    ['sha', b.sha ?? '(resolved when cloned)'],
    ['event', b.event],
    ['created', `${b.createdAt} (${age(b.createdAt, now)})`],
    ['duration', orDash(span(b.startedAt, b.finishedAt, now))],
  ];
  if (b.retryOf) summary.push(['retry of', `#${b.retryOf} (from its failed step)`]);
  else if (b.rebuildOf) summary.push(['rebuild of', `#${b.rebuildOf}`]);
  let text = `Build #${b.id} · ${b.status}\n` + table(summary, '  ');
  if (b.steps.length) {
    const steps = b.steps.map((s) => [s.name, s.status, orDash(span(s.startedAt, s.finishedAt, now)), s.image ?? '']);
    text += '\nSteps\n' + table(steps, '  ');
  }
  if (b.images.length) {
    text += '\nImages\n';
    for (const image of b.images) {
      const rows = [['tags', image.tags.join(', ') || '-'], ['digest', image.digest ?? '-']];
      text += `  ${image.name}\n` + table(rows, '    ');
    }
  }
  if (b.error) text += `\nError\n  ${b.error.replace(/\n/g, '\n  ')}\n`;
  return text;
}

/** The closing lines of `--wait`: final status, time taken, and (on success) every pushed `image:tag`. */
export function buildOutcome(b: ApiBuild, now: number): string {
  const took = span(b.startedAt, b.finishedAt, now);
  let text = `#${b.id} ${b.status}${took === null ? '' : ` in ${humanDuration(took)}`}`;
  text += b.error ? `: ${b.error}\n` : '\n';
  if (b.status !== 'success') return text;
  for (const image of b.images) for (const tag of image.tags) text += `  ${image.name}:${tag}\n`;
  return text;
}
