import { describe, expect, it } from '@jest/globals';
import { DrydockError } from '@drydock/core';
import { checkEngine } from './engine-requirements.js';

const refusal = (engineVersion: string, buildkitVersion: string | null): DrydockError => {
  try {
    checkEngine({ engineVersion, buildkitVersion }, false);
  } catch (err) {
    if (err instanceof DrydockError) return err;
    throw err;
  }
  throw new Error(`engine ${engineVersion} / BuildKit ${buildkitVersion} was not refused`);
};

describe('checkEngine', () => {
  it.each([
    ['26.1.5+dfsg1', 'v0.13.2'],
    ['25.0.3', 'v0.12.5'],
    ['28.3.2', 'v0.23.2'],
    ['27.5.1', 'v0.18.0-rc1'],
  ])('allows Docker Engine %s with BuildKit %s', (engine, buildkit) => {
    expect(checkEngine({ engineVersion: engine, buildkitVersion: buildkit }, false)).toBeNull();
  });

  it.each([
    ['26.1.5+dfsg1', 'v0.0.0+unknown'], // Debian 13's docker.io: the engine version decides
    ['25.0.2', null],
    ['24.0.9', null],
  ])('allows Docker Engine %s whose builder reports %s', (engine, buildkit) => {
    expect(checkEngine({ engineVersion: engine, buildkitVersion: buildkit }, false)).toBeNull();
  });

  it('refuses BuildKit older than 0.12.5 as infrastructure, naming the version and the way out', () => {
    const error = refusal('24.0.7', 'v0.11.7');
    expect(error.code).toBe('infrastructure');
    expect(error.message).toContain('older than 0.12.5 (found BuildKit 0.11.7, Docker Engine 24.0.7)');
    expect(error.message).toContain('CVE-2024-23651');
    expect(error.message).toContain('Docker Engine 25 or newer');
    expect(error.message).toContain('DRYDOCK_ALLOW_OLD_ENGINE=1');
  });

  it('refuses BuildKit 0.12.4 even on an engine whose version would pass', () => {
    expect(refusal('25.0.1', 'v0.12.4').message).toContain('found BuildKit 0.12.4');
  });

  it.each([
    ['20.10.24+dfsg1', 'v0.0.0+unknown'], // Debian 12's docker.io
    ['25.0.1', null],
    ['24.0.8', null],
    ['23.0.6', ''],
    ['unknown', null],
  ])('refuses Docker Engine %s whose builder reports %p, naming the engine', (engine, buildkit) => {
    expect(refusal(engine, buildkit).message).toContain(`found Docker Engine ${engine}, whose builder reports no BuildKit version`);
  });

  it('with DRYDOCK_ALLOW_OLD_ENGINE, returns the problem as a warning instead', () => {
    const warning = checkEngine({ engineVersion: '20.10.24+dfsg1', buildkitVersion: null }, true);
    expect(warning).toContain('older than 0.12.5 (found Docker Engine 20.10.24+dfsg1');
    expect(warning).toContain('building anyway because DRYDOCK_ALLOW_OLD_ENGINE is set');
  });
});
