import type { ApiBuild } from '../api-client.js';

/** A build as the API returns it; a finished success unless overridden. */
export function aBuild(overrides: Partial<ApiBuild> = {}): ApiBuild {
  return {
    id: 1,
    repo: 'acme/app',
    ref: 'refs/heads/main',
    sha: '0123456789abcdef0123456789abcdef01234567',
    event: 'push',
    status: 'success',
    steps: [
      { name: 'clone', status: 'success', startedAt: '2024-05-01T10:00:00.000Z', finishedAt: '2024-05-01T10:00:02.000Z' },
      {
        name: 'build',
        image: 'localhost:5000/acme/app',
        status: 'success',
        startedAt: '2024-05-01T10:00:02.000Z',
        finishedAt: '2024-05-01T10:01:05.000Z',
      },
    ],
    images: [{ name: 'localhost:5000/acme/app', tags: ['sha-0123456', 'main', 'latest'], digest: 'sha256:feedbeef' }],
    createdAt: '2024-05-01T09:59:58.000Z',
    startedAt: '2024-05-01T10:00:00.000Z',
    finishedAt: '2024-05-01T10:01:05.000Z',
    error: null,
    rebuildOf: null,
    ...overrides,
  };
}

/** The states a build goes through while `--wait` polls it: queued, running clone, running build, then `final`. */
export function aBuildLifecycle(id: number, final: Partial<ApiBuild>): ApiBuild[] {
  const now = new Date().toISOString();
  const running = { status: 'running' as const, startedAt: now, finishedAt: null, images: [] };
  return [
    aBuild({ id, status: 'queued', steps: [], images: [], startedAt: null, finishedAt: null, createdAt: now }),
    aBuild({ id, ...running, steps: [{ name: 'clone', status: 'running', startedAt: now, finishedAt: null }] }),
    aBuild({ id, ...running, steps: [{ name: 'build', status: 'running', startedAt: now, finishedAt: null }] }),
    aBuild({ id, createdAt: now, startedAt: now, finishedAt: new Date(Date.now() + 3000).toISOString(), ...final }),
  ];
}
