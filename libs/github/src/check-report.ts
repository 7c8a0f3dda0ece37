import { isFinal, type Build, type BuildStep, type CommitState } from '@drydock/core';
import type { CheckConclusion, CheckRunReport, CheckRunStatus } from './report-outbox.js';

/** Lines of the failing step's log a failed check run shows. */
export const LOG_TAIL_LINES = 30;
/** GitHub's limit on a check run's `output.summary`. */
const SUMMARY_MAX = 65_535;

/**
 * The check run of an update (App mode): `pending` is `queued` until a worker runs the build,
 * then `in_progress`; a final state is `completed` with its conclusion. The stored build tells a
 * cancelled one (`cancelled`) from an error (`failure`, see `CheckConclusion`). `log` is the
 * build's stored (already masked) log, for the summary of a completed run.
 */
export function checkReportOf(build: Build, update: { state: CommitState; image?: string }, log: string | undefined): CheckRunReport {
  const status = checkStatusOf(build, update.state);
  return {
    status,
    conclusion: status === 'completed' ? conclusionOf(build, update.state) : null,
    installationId: build.installationId,
    summary: status === 'completed' ? checkSummary(build, update.image, log) : null,
  };
}

function checkStatusOf(build: Build, state: CommitState): CheckRunStatus {
  if (state !== 'pending') return 'completed';
  return build.status === 'queued' || build.status === 'blocked' ? 'queued' : 'in_progress';
}

function conclusionOf(build: Build, state: CommitState): CheckConclusion {
  if (build.status === 'cancelled') return 'cancelled';
  return state === 'success' ? 'success' : 'failure';
}

/**
 * A completed run's markdown: the steps with their status and duration (only `image`'s and the
 * shared ones for an image's own run), the pushed images with tags and digest, what was reused
 * (a retry's kept images, BuildKit's cached steps as the build steps recorded them), and for a failed step the last
 * `LOG_TAIL_LINES` lines it logged.
 */
export function checkSummary(build: Build, image: string | undefined, log: string | undefined): string {
  const steps = build.steps.filter((s) => !image || !s.image || s.image === image);
  const parts = [`**${headlineOf(build)}**`, stepTable(steps)];
  // An image is pushed as `<registry>/<owner>/<image>`, lowercased (see `imageRepository`).
  const own = image && `/${build.repo.split('/')[0]}/${image}`.toLowerCase();
  const images = build.images.filter((i) => !own || i.name.endsWith(own));
  if (images.length > 0) {
    parts.push(['**Pushed**', ...images.map((i) => `- ${i.tags.map((t) => `\`${i.name}:${t}\``).join(', ')}${i.digest ? ` — digest \`${i.digest}\`` : ''}`)].join('\n'));
  }
  const reuse = reuseOf(build, image, steps);
  if (reuse.length > 0) parts.push(['**Reused**', ...reuse.map((r) => `- ${r}`)].join('\n'));
  const failed = steps.find((s) => s.status === 'failure' || s.status === 'error');
  if (failed && log) parts.push(`**Log of ${titleOf(failed)}** (last ${LOG_TAIL_LINES} lines)\n\n${fenced(stepLogTail(log, titleOf(failed)))}`);
  const text = parts.join('\n\n');
  return text.length > SUMMARY_MAX ? `${text.slice(0, SUMMARY_MAX - 1)}…` : text;
}

function headlineOf(build: Build): string {
  // An image left out of the build completes its run while the others still build.
  if (!isFinal(build.status)) return `Build ${build.id} is ${build.status}`;
  if (build.status === 'success') return `Build ${build.id} succeeded`;
  if (build.status === 'cancelled') return `Build ${build.id} was cancelled`;
  return `Build ${build.id} ${build.status === 'failure' ? 'failed' : 'could not run'}${build.error ? `: ${build.error}` : ''}`;
}

const ICONS: Record<BuildStep['status'], string> = {
  success: '✅',
  failure: '❌',
  error: '⚠️',
  cancelled: '⏹️',
  skipped: '⏭️',
  pending: '⏳',
  running: '🔄',
};

function stepTable(steps: BuildStep[]): string {
  const rows = steps.map((s) => `| ${titleOf(s)} | ${ICONS[s.status]} ${s.status} | ${durationOf(s)} |`);
  return ['| step | status | duration |', '| --- | --- | --- |', ...rows].join('\n');
}

function durationOf(step: BuildStep): string {
  if (!step.startedAt || !step.finishedAt) return '–';
  const ms = Date.parse(step.finishedAt) - Date.parse(step.startedAt);
  const seconds = Math.round(ms / 1000); // 119.6s is 2m0s, not 1m60s
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}

const titleOf = (step: Pick<BuildStep, 'name' | 'image'>): string => `${step.name}${step.image ? ` ${step.image}` : ''}`;

function reuseOf(build: Build, image: string | undefined, steps: BuildStep[]): string[] {
  const reused = build.keptImages.filter((k) => k.builtBy !== build.id && (!image || k.image === image)).map((k) => `image ${k.image} built by build ${k.builtBy} (\`${k.digest}\`)`);
  const cached = steps.flatMap((s) => (s.name === 'build' && s.cache && s.cache.cached > 0 ? [`${s.cache.cached} of ${s.cache.steps} Dockerfile steps${s.image ? ` of ${s.image}` : ''} from BuildKit's cache`] : []));
  return [...reused, ...cached];
}

/**
 * The last lines of a step's part of the log: from its last `==> <title>` header to the next
 * header (the pipeline writes one before each step); the log's end when the header is missing.
 */
export function stepLogTail(log: string, title: string, lines = LOG_TAIL_LINES): string[] {
  const all = log.replace(/\n$/, '').split('\n');
  const start = all.lastIndexOf(`==> ${title}`);
  if (start < 0) return all.slice(-lines);
  const rest = all.slice(start + 1);
  const end = rest.findIndex((line) => line.startsWith('==> '));
  return (end < 0 ? rest : rest.slice(0, end)).slice(-lines);
}

/** A code block whose fence no line of `lines` can close. */
function fenced(lines: string[]): string {
  const longest = Math.max(2, ...lines.map((l) => Math.max(0, ...(l.match(/`+/g) ?? []).map((run) => run.length))));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${lines.join('\n')}\n${fence}`;
}
