import { describe, expect, it } from '@jest/globals';
import type { Build } from '@drydock/core';
import { buildJson } from './build-json.js';

describe('buildJson', () => {
  it('keeps credentials out of the clone URL and secrets out of the error', () => {
    const build = { id: 1, cloneUrl: 'https://user:pw-in-url@github.com/acme/app.git', error: 'push failed: login ghp_registry_pass refused' } as Build;
    expect(buildJson(build, ['ghp_registry_pass'])).toMatchObject({
      cloneUrl: 'https://github.com/acme/app.git',
      error: 'push failed: login *** refused',
    });
    expect(buildJson({ ...build, error: null }, ['x']).error).toBeNull();
  });

  it('says whether the build\'s code comes from a fork', () => {
    const build = { id: 2, cloneUrl: 'https://github.com/acme/app.git', error: null } as Build;
    expect(buildJson({ ...build, fork: true }, []).fork).toBe(true);
    expect(buildJson({ ...build, fork: false }, []).fork).toBe(false);
  });

  it('says how long the build waited in the queue, once it started', () => {
    const build = { id: 3, cloneUrl: 'https://github.com/acme/app.git', error: null, createdAt: '2026-12-01T10:00:00.000Z' } as Build;
    expect(buildJson({ ...build, startedAt: '2026-12-01T10:00:02.500Z' }, []).queueWaitMs).toBe(2500);
    expect(buildJson({ ...build, startedAt: null }, []).queueWaitMs).toBeNull();
  });
});
