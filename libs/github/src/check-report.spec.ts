import { describe, expect, it } from '@jest/globals';
import type { Build, BuildStep } from '@drydock/core';
import { buildFixture } from '@drydock/testing';
import { checkReportOf, checkSummary, LOG_TAIL_LINES, stepLogTail } from './check-report.js';

const build = (overrides: Partial<Build> = {}): Build => buildFixture({ id: 7, installationId: 31, ...overrides });

const T0 = Date.parse('2026-01-01T10:00:00.000Z');
/** A finished step that took `ms`. */
const step = (name: BuildStep['name'], status: BuildStep['status'], ms: number, image?: string): BuildStep => ({
  name,
  ...(image ? { image } : {}),
  status,
  startedAt: new Date(T0).toISOString(),
  finishedAt: new Date(T0 + ms).toISOString(),
});

/** The rows of the summary's step table, as [step, status, duration]. */
const rowsOf = (summary: string): string[][] =>
  summary
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| step |') && !line.startsWith('| ---'))
    .map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()));

describe('checkReportOf', () => {
  it('is queued, with no conclusion nor summary, while the build waits for a worker or an approval', () => {
    for (const status of ['queued', 'blocked'] as const) {
      expect(checkReportOf(build({ status }), { state: 'pending' }, 'ignored')).toEqual({ status: 'queued', conclusion: null, installationId: 31, summary: null });
    }
  });

  it('is in progress once a worker runs the build', () => {
    expect(checkReportOf(build({ status: 'running', installationId: null }), { state: 'pending', image: 'api' }, undefined)).toEqual({
      status: 'in_progress',
      conclusion: null,
      installationId: null,
      summary: null,
    });
  });

  it('completes with the conclusion of the final state, an error failing as a failure does', () => {
    const cases = [
      ['success', 'success', 'success'],
      ['failure', 'failure', 'failure'],
      ['error', 'error', 'failure'],
    ] as const;
    for (const [status, state, conclusion] of cases) {
      const report = checkReportOf(build({ status }), { state }, undefined);
      expect(report).toEqual({ status: 'completed', conclusion, installationId: 31, summary: expect.any(String) });
      expect(report.summary).toBe(checkSummary(build({ status }), undefined, undefined));
    }
  });

  it('concludes cancelled when the stored build was cancelled (GitHub was told "error")', () => {
    const cancelled = build({ status: 'cancelled', error: 'superseded by 1a2b3c4' });
    expect(checkReportOf(cancelled, { state: 'error' }, undefined)).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    expect(checkReportOf(cancelled, { state: 'error', image: 'api' }, undefined)).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
  });

  it('summarises only the image its run is for', () => {
    const b = build({ status: 'failure', steps: [step('clone', 'success', 1000), step('build', 'failure', 1000, 'api'), step('build', 'success', 1000, 'web')] });
    const summary = checkReportOf(b, { state: 'success', image: 'web' }, undefined).summary!;
    expect(rowsOf(summary).map(([title]) => title)).toEqual(['clone', 'build web']);
  });
});

describe('checkSummary', () => {
  it('heads the summary with the build\'s outcome and its error', () => {
    expect(checkSummary(build({ status: 'success' }), undefined, undefined)).toMatch(/^\*\*Build 7 succeeded\*\*\n\n/);
    expect(checkSummary(build({ status: 'failure', error: 'test failed: exit 1' }), undefined, undefined)).toMatch(/^\*\*Build 7 failed: test failed: exit 1\*\*\n/);
    expect(checkSummary(build({ status: 'error', error: 'Docker engine unreachable' }), undefined, undefined)).toMatch(/^\*\*Build 7 could not run: Docker engine unreachable\*\*\n/);
    expect(checkSummary(build({ status: 'cancelled', error: 'pull request closed' }), undefined, undefined)).toMatch(/^\*\*Build 7 was cancelled\*\*\n/);
  });

  it('does not call a build that still runs failed (an image left out reports success while the others build)', () => {
    const running = build({ status: 'running', steps: [step('clone', 'success', 1000), { name: 'build', image: 'web', status: 'skipped', startedAt: null, finishedAt: null }] });
    const summary = checkReportOf(running, { state: 'success', image: 'web' }, undefined).summary!;
    expect(summary).toMatch(/^\*\*Build 7 is running\*\*\n/);
    expect(summary).not.toContain('could not run');
  });

  it('tables every step with its status and how long it took', () => {
    const b = build({
      status: 'success',
      steps: [
        step('clone', 'success', 2_500),
        step('config', 'success', 0),
        step('build', 'success', 125_000, 'widget'),
        step('test', 'success', 119_600, 'widget'),
        { name: 'push', image: 'widget', status: 'pending', startedAt: null, finishedAt: null },
      ],
    });
    const summary = checkSummary(b, undefined, undefined);
    expect(summary).toContain('| step | status | duration |\n| --- | --- | --- |\n| clone | ✅ success | 2.5s |');
    expect(rowsOf(summary)).toEqual([
      ['clone', '✅ success', '2.5s'],
      ['config', '✅ success', '0.0s'],
      ['build widget', '✅ success', '2m5s'],
      ['test widget', '✅ success', '2m0s'],
      ['push widget', '⏳ pending', '–'],
    ]);
  });

  it('shows an image\'s run only its own steps and the shared ones, and only its own pushed image', () => {
    const b = build({
      status: 'success',
      steps: [
        step('clone', 'success', 1000),
        step('config', 'success', 1000),
        step('build', 'success', 1000, 'api'),
        step('build', 'success', 1000, 'web'),
        step('push', 'success', 1000, 'api'),
        step('push', 'success', 1000, 'web'),
      ],
      images: [
        { name: 'registry.test/acme/api', tags: ['main', 'sha-ccccccc'], digest: 'sha256:aaa' },
        { name: 'registry.test/acme/web', tags: ['main'], digest: null },
      ],
    });
    const api = checkSummary(b, 'api', undefined);
    expect(rowsOf(api).map(([title]) => title)).toEqual(['clone', 'config', 'build api', 'push api']);
    expect(api).toContain('**Pushed**\n- `registry.test/acme/api:main`, `registry.test/acme/api:sha-ccccccc` — digest `sha256:aaa`');
    expect(api).not.toContain('registry.test/acme/web');

    const all = checkSummary(b, undefined, undefined);
    expect(rowsOf(all)).toHaveLength(6);
    expect(all).toContain('**Pushed**\n- `registry.test/acme/api:main`, `registry.test/acme/api:sha-ccccccc` — digest `sha256:aaa`\n- `registry.test/acme/web:main`');
    expect(all).not.toContain('registry.test/acme/web:main` — digest');
  });

  it('does not show an image\'s run another image that was pushed before its own push failed', () => {
    const b = build({
      status: 'failure',
      error: 'push failed: registry down',
      steps: [step('push', 'success', 1000, 'api'), step('push', 'failure', 1000, 'web')],
      images: [{ name: 'registry.test/acme/api', tags: ['main'], digest: 'sha256:aaa' }],
    });
    expect(checkSummary(b, 'web', undefined)).not.toContain('Pushed');
    expect(checkSummary(b, 'api', undefined)).toContain('**Pushed**\n- `registry.test/acme/api:main`');
  });

  it('tells an image from another whose name ends in it (api, team/api), and matches the image\'s name lowercased', () => {
    const b = build({
      repo: 'Acme/Widget',
      status: 'success',
      images: [
        { name: 'registry.test/acme/api', tags: ['main'], digest: null },
        { name: 'registry.test/acme/team/api', tags: ['main'], digest: null },
        { name: 'registry.test/acme/widget', tags: ['main'], digest: null },
      ],
    });
    const pushedOf = (image: string) => checkSummary(b, image, undefined).split('**Pushed**\n')[1];
    expect(pushedOf('api')).toBe('- `registry.test/acme/api:main`');
    expect(pushedOf('team/api')).toBe('- `registry.test/acme/team/api:main`');
    expect(pushedOf('Widget')).toBe('- `registry.test/acme/widget:main`');
  });

  it('lists what a retry reused and the steps BuildKit took from its cache', () => {
    const b = build({
      id: 9,
      status: 'success',
      retryOf: 8,
      keptImages: [
        { image: 'api', reference: 'registry.test/drydock-retry/acme/widget/api:build-8', digest: 'sha256:bbb', builtBy: 8, tested: true },
        { image: 'web', reference: 'registry.test/drydock-retry/acme/widget/web:build-9', digest: 'sha256:ccc', builtBy: 9, tested: false },
      ],
    });
    const withCache = (cache: { cached: number; steps: number }, image = 'web'): BuildStep => ({ name: 'build', image, status: 'success', startedAt: null, finishedAt: null, cache });
    const cachedBuild = { ...b, steps: [withCache({ cached: 3, steps: 4 }), withCache({ cached: 2, steps: 2 }, 'api')] };
    expect(checkSummary(cachedBuild, undefined, undefined)).toContain(
      "**Reused**\n- image api built by build 8 (`sha256:bbb`)\n- 3 of 4 Dockerfile steps of web from BuildKit's cache\n- 2 of 2 Dockerfile steps of api from BuildKit's cache",
    );
    expect(checkSummary(cachedBuild, 'web', undefined)).not.toContain('of api');
    expect(checkSummary(b, undefined, undefined)).not.toContain('image web');
    expect(checkSummary(build({ status: 'success', steps: [withCache({ cached: 0, steps: 3 })] }), undefined, undefined)).not.toContain('Reused');
  });

  it('lists for an image\'s run only the images reused for it', () => {
    const b = build({
      id: 9,
      status: 'success',
      keptImages: [
        { image: 'api', reference: 'r/api:build-8', digest: 'sha256:bbb', builtBy: 8, tested: true },
        { image: 'web', reference: 'r/web:build-8', digest: 'sha256:ccc', builtBy: 8, tested: true },
      ],
    });
    const web = checkSummary(b, 'web', undefined);
    expect(web).toContain('- image web built by build 8 (`sha256:ccc`)');
    expect(web).not.toContain('image api');
  });

  it('shows the failing step\'s own last lines of the log, fenced', () => {
    const b = build({ status: 'failure', error: 'test failed', steps: [step('clone', 'success', 1000), step('build', 'success', 1000, 'api'), step('test', 'failure', 1000, 'api')] });
    const log = ['==> clone', 'Cloning…', '==> build api', '#1 building', '==> build api done in 1.0s', '==> test api', 'npm test', 'FAIL src/a.spec.ts', '[drydock] Build failed: test failed', ''].join('\n');
    expect(checkSummary(b, undefined, log)).toContain(
      `**Log of test api** (last ${LOG_TAIL_LINES} lines)\n\n\`\`\`text\nnpm test\nFAIL src/a.spec.ts\n[drydock] Build failed: test failed\n\`\`\``,
    );
    expect(checkSummary(build({ status: 'success', steps: [step('clone', 'success', 1)] }), undefined, log)).not.toContain('**Log of');
    expect(checkSummary(b, undefined, undefined)).not.toContain('**Log of');
  });

  it('shows a step that could not run (error) as the failing one', () => {
    const b = build({ status: 'error', steps: [step('clone', 'error', 1000)] });
    expect(checkSummary(b, undefined, '==> clone\nfatal: unable to access\n')).toContain('**Log of clone** (last 30 lines)\n\n```text\nfatal: unable to access\n```');
  });

  it('fences the log with more backticks than any line of it holds', () => {
    const b = build({ status: 'failure', steps: [step('test', 'failure', 1000, 'api')] });
    const lines = ['```', 'a ````` run', '``not a fence``'];
    const summary = checkSummary(b, undefined, ['==> test api', ...lines].join('\n'));
    expect(summary).toContain(`\`\`\`\`\`\`text\n${lines.join('\n')}\n\`\`\`\`\`\``);
    expect(summary.endsWith('\n``````')).toBe(true);
  });

  it('stays within GitHub\'s 65535 characters', () => {
    const b = build({ status: 'failure', steps: [step('test', 'failure', 1000, 'api')] });
    const log = ['==> test api', ...Array.from({ length: 40 }, (_, i) => `${i} ${'x'.repeat(5000)}`)].join('\n');
    const summary = checkSummary(b, undefined, log);
    expect(summary).toHaveLength(65_535);
    expect(summary.endsWith('x…')).toBe(true);
    expect(summary).toContain('```text\n10 xxx');
    expect(summary).not.toContain('\n9 xxx');
  });
});

describe('stepLogTail', () => {
  const log = ['==> clone', 'cloned', '==> test api', 'first run', '[drydock] retrying', '==> test api', 'second run', 'FAIL', '==> push api skipped: not all passed', 'after'].join('\n');

  it('takes the lines after the step\'s last header, up to the next header', () => {
    expect(stepLogTail(log, 'test api')).toEqual(['second run', 'FAIL']);
    expect(stepLogTail(log, 'clone')).toEqual(['cloned']);
  });

  it('keeps only the last lines', () => {
    const long = ['==> build api', ...Array.from({ length: 50 }, (_, i) => `line ${i}`), ''].join('\n');
    expect(stepLogTail(long, 'build api')).toEqual(Array.from({ length: LOG_TAIL_LINES }, (_, i) => `line ${i + 20}`));
    expect(stepLogTail(long, 'build api', 2)).toEqual(['line 48', 'line 49']);
  });

  it('takes the log\'s end when the step has no header, and never a header that only starts with the title', () => {
    expect(stepLogTail('a\nb\nc\n', 'test api', 2)).toEqual(['b', 'c']);
    expect(stepLogTail('==> test api-v2\nother\nend\n', 'test api', 5)).toEqual(['==> test api-v2', 'other', 'end']);
  });
});
