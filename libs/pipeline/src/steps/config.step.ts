import { realpath } from 'node:fs/promises';
import type { DockerEngine } from '@drydock/docker';
import { checkBuildCompose } from '../compose-check.js';
import { CONFIG_FILE, loadDrydockConfig, type DrydockConfig } from '../drydock-config.js';
import { scopedTo, type StepContext } from '../step-context.js';

/**
 * Reads and validates `.drydock.yml` (or the defaults when there is none) and the compose test
 * file, if the build uses one, before anything of the repository's runs: every path they name
 * must stay inside the checkout.
 */
export async function configStep(ctx: StepContext, docker: DockerEngine, checkoutDir: string): Promise<DrydockConfig> {
  const config = await loadDrydockConfig(checkoutDir);
  for (const image of config.images) {
    const tests = image.testCommands.length ? `${image.testCommands.length} test command(s)` : config.composeTestFile ? `sut in ${config.composeTestFile}` : 'no tests';
    ctx.log.line(`Image ${image.name ?? '(repository)'}: ${image.dockerfile}${image.target ? ` target ${image.target}` : ''}, ${tests}`);
  }
  if (config.images.length === 1 && config.images[0].name === null) ctx.log.line(`Using ${CONFIG_FILE} defaults where not set`);
  if (config.composeTestFile) {
    // DRYDOCK_IMAGE only names the image compose runs; no path depends on it.
    const resolve = (files: { projectDir: string; composeFile: string }) => docker.composeConfig({ ...scopedTo(ctx), image: 'drydock/compose-check', ...files });
    await checkBuildCompose(ctx, await realpath(checkoutDir), config.composeTestFile, resolve);
  }
  return config;
}
