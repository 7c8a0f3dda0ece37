import { NO_BUILD_FACTS, type Build } from '@drydock/core';

/** A stored build as the ports see it, for specs: build 41, a running push of acme/widget's main, with `overrides`. */
export const buildFixture = (overrides: Partial<Build> = {}): Build => ({
  id: 41,
  repo: 'acme/widget',
  cloneUrl: 'https://github.com/acme/widget.git',
  ref: 'refs/heads/main',
  sha: 'c'.repeat(40),
  event: 'push',
  defaultBranch: 'main',
  rebuildOf: null,
  retryOf: null,
  fork: false,
  pullRequest: null,
  installationId: null,
  before: null,
  approvedBy: null,
  ...NO_BUILD_FACTS,
  status: 'running',
  steps: [],
  images: [],
  keptImages: [],
  createdAt: '2026-01-01T00:00:00.000Z',
  startedAt: null,
  finishedAt: null,
  error: null,
  ...overrides,
});
