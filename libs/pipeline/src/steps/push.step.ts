import type { BuildImage } from '@drydock/core';
import type { BuildRun } from '../build-run.js';
import type { BuiltImage } from './build.step.js';

/** Tags and pushes every contract tag of an image; records the pushed digest with the build. */
export async function pushStep(run: BuildRun, image: BuiltImage): Promise<BuildImage> {
  const { docker } = run.deps;
  const scoped = { buildId: run.build.id, signal: run.signal, onLog: (line: string) => run.log.line(line) };
  let digest: string | null = null;
  for (const tag of image.tags) {
    const reference = `${image.repository}:${tag}`;
    await docker.tagImage(image.localRef, reference);
    run.log.line(`Pushing ${reference}`);
    ({ digest } = await docker.pushImage(reference, scoped));
  }
  run.log.line(`Pushed ${image.repository} (${image.tags.join(', ')}) ${digest ?? ''}`);
  const pushed: BuildImage = { name: image.repository, tags: image.tags, digest };
  await run.save({ images: [...run.build.images.filter((i) => i.name !== image.repository), pushed] });
  return pushed;
}
