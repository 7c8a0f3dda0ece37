import semver from 'semver';
import { DrydockError } from '@drydock/core';
import type { EngineInfo } from './docker-engine.js';

/** BuildKit 0.12.5 fixed the "Leaky Vessels" container escapes (CVE-2024-23651, -23652, -23653). */
export const MIN_BUILDKIT_VERSION = '0.12.5';

/**
 * Docker Engine releases whose bundled BuildKit carries those fixes (25.0.2 and 24.0.9):
 * the fallback when the builder reports no BuildKit version of its own.
 */
const PATCHED_ENGINES = '>=25.0.2 || >=24.0.9 <25.0.0';

/**
 * Decides whether a worker may build on this engine. Returns null when it may; when its
 * BuildKit is older than 0.12.5 (or cannot be told), throws `DrydockError('infrastructure')`
 * naming what was found, unless `allowOldEngine` (DRYDOCK_ALLOW_OLD_ENGINE), in which case
 * it returns that message as a warning.
 */
export function checkEngine(info: EngineInfo, allowOldEngine: boolean): string | null {
  const found = describeEngine(info);
  if (found.patched) return null;
  const problem =
    `the Docker engine's BuildKit is older than ${MIN_BUILDKIT_VERSION} (found ${found.text}): a Dockerfile can ` +
    'reach the host through the "Leaky Vessels" escapes (CVE-2024-23651, -23652, -23653)';
  if (allowOldEngine) return `${problem}; building anyway because DRYDOCK_ALLOW_OLD_ENGINE is set`;
  throw new DrydockError(
    'infrastructure',
    `${problem}. Upgrade to Docker Engine 25 or newer (Docker's own packages, or Debian 13's docker.io, ` +
      'which `npm run up` installs on Debian 12), or set DRYDOCK_ALLOW_OLD_ENGINE=1 to build on it on purpose.',
  );
}

function describeEngine({ engineVersion, buildkitVersion }: EngineInfo): { patched: boolean; text: string } {
  const buildkit = reportedVersion(buildkitVersion);
  if (buildkit) {
    return { patched: semver.gte(buildkit, MIN_BUILDKIT_VERSION), text: `BuildKit ${buildkit}, Docker Engine ${engineVersion}` };
  }
  const engine = semver.coerce(engineVersion);
  return {
    patched: engine !== null && semver.satisfies(engine, PATCHED_ENGINES),
    text: `Docker Engine ${engineVersion}, whose builder reports no BuildKit version`,
  };
}

/** `v0.13.2` -> `0.13.2`; null for no version, an unparsable one, or Debian's `v0.0.0+unknown`. */
function reportedVersion(raw: string | null): string | null {
  const version = raw === null ? null : semver.valid(semver.clean(raw));
  return version && version !== '0.0.0' ? version : null;
}
