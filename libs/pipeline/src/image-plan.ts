import { randomBytes } from 'node:crypto';
import { localImageName, withoutCredentials, type Build } from '@drydock/core';
import type { ImageSpec } from './drydock-config.js';
import { imageRepository, imageTags } from './image-tags.js';

/**
 * Everything decided about one image once `.drydock.yml` is read, before anything is built:
 * the steps, the log and the reports all name the image by its plan.
 */
export interface ImagePlan {
  /** How the build's steps and the log name the image: the config's name, or the repository's. */
  label: string;
  spec: ImageSpec;
  /** `<registry>/<owner>/<name>`, lowercased. */
  repository: string;
  /** The contract's tags for this build's ref, in push order. */
  tags: string[];
  /**
   * The tag the build gives the image locally, until it is pushed: `drydock/b<id>-<32 random hex>:<index>`
   * (`localImageName`), new for every run, so no other build (of this instance or another on the
   * engine) can guess it and `FROM` it; the image is removed with the build's resources either way.
   */
  localRef: string;
  /** OCI labels put on the image. */
  labels: Record<string, string>;
  /** The per-image status context (`drydock/<label>`) when the build has several images, else null. */
  context: string | null;
  /**
   * Why this build leaves the image out (`.drydock.yml` `branches` or `paths`, see image-rules.ts):
   * it is not built, tested nor pushed, and its status says so as a success; null: it is built.
   */
  skip: string | null;
}

/**
 * `released`: the versions the repository released before (see `imageTags`); `skips`: per spec, why
 * the build leaves it out, or null; `nonce` makes the local names unguessable.
 */
export function planImages(
  build: Build,
  sha: string,
  specs: ImageSpec[],
  registry: string,
  released: readonly string[] = [],
  skips: ReadonlyArray<string | null> = [],
  now = new Date(),
  nonce = randomBytes(16).toString('hex'),
): ImagePlan[] {
  const labels = {
    'org.opencontainers.image.source': withoutCredentials(build.cloneUrl).replace(/\.git$/, ''),
    'org.opencontainers.image.revision': sha,
    'org.opencontainers.image.created': now.toISOString(),
  };
  const tags = imageTags({ ref: build.ref, defaultBranch: build.defaultBranch, sha, pullRequest: build.pullRequest }, released);
  return specs.map((spec, index) => {
    const label = spec.name ?? build.repo.split('/')[1] ?? build.repo;
    return {
      label,
      spec,
      repository: imageRepository(registry, build.repo, spec.name),
      tags,
      localRef: localImageName(build.id, nonce, index),
      labels,
      context: specs.length > 1 ? label : null,
      skip: skips[index] ?? null,
    };
  });
}

/**
 * The plans with the tags `build` asks for now: a push or pull request of the same commit may
 * have joined the build (BuildPatch `ref`, `pullRequest`) after it was planned.
 */
export function retagged(plans: ImagePlan[], build: Build, sha: string, released: readonly string[] = []): ImagePlan[] {
  const tags = imageTags({ ref: build.ref, defaultBranch: build.defaultBranch, sha, pullRequest: build.pullRequest }, released);
  return plans.map((plan) => ({ ...plan, tags }));
}
