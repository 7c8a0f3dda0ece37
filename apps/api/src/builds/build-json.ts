import { withoutCredentials, type Build } from '@drydock/core';

/** A build as the HTTP API shows it: the stored build, with credentials kept out of URLs. */
export function buildJson(build: Build): Build {
  return { ...build, cloneUrl: withoutCredentials(build.cloneUrl) };
}
