import { withoutCredentials } from '@drydock/core';
import { imageRepository, imageTags } from '../image-tags.js';
import type { ImageSpec } from '../drydock-config.js';
import type { BuildRun } from '../build-run.js';

/** An image built locally and not yet pushed. */
export interface BuiltImage {
  /** Display name: the config's name, or the repository's. */
  label: string;
  spec: ImageSpec;
  localRef: string;
  repository: string;
  tags: string[];
}

/** Builds one image with BuildKit; the engine's layer cache carries over between builds. */
export async function buildStep(run: BuildRun, spec: ImageSpec, index: number, checkout: { dir: string; sha: string }): Promise<BuiltImage> {
  const { sha } = checkout;
  const { build, deps } = run;
  const repository = imageRepository(deps.settings.registry, build.repo, spec.name);
  const localRef = `drydock/build-${build.id}:${index}`;
  await deps.docker.buildImage({
    buildId: build.id,
    signal: run.signal,
    onLog: (line) => run.log.line(line),
    checkoutDir: checkout.dir,
    contextDir: spec.contextDir,
    dockerfile: spec.dockerfile,
    target: spec.target,
    buildArgs: spec.buildArgs,
    tags: [localRef],
    labels: {
      'org.opencontainers.image.source': withoutCredentials(build.cloneUrl).replace(/\.git$/, ''),
      'org.opencontainers.image.revision': sha,
      'org.opencontainers.image.created': new Date().toISOString(),
    },
  });
  return { label: imageLabel(spec, build.repo), spec, localRef, repository, tags: imageTags({ ...build, sha }) };
}

export const imageLabel = (spec: ImageSpec, repo: string): string => spec.name ?? repo.split('/')[1] ?? repo;
