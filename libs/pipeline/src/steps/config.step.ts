import { CONFIG_FILE, loadDrydockConfig, type DrydockConfig } from '../drydock-config.js';
import type { StepContext } from '../step-context.js';

/** Reads and validates `.drydock.yml` (or the defaults when there is none). */
export async function configStep(ctx: StepContext, checkoutDir: string): Promise<DrydockConfig> {
  const config = await loadDrydockConfig(checkoutDir);
  for (const image of config.images) {
    const tests = image.testCommands.length ? `${image.testCommands.length} test command(s)` : config.composeTestFile ? `sut in ${config.composeTestFile}` : 'no tests';
    ctx.log.line(`Image ${image.name ?? '(repository)'}: ${image.dockerfile}${image.target ? ` target ${image.target}` : ''}, ${tests}`);
  }
  if (config.images.length === 1 && config.images[0].name === null) ctx.log.line(`Using ${CONFIG_FILE} defaults where not set`);
  return config;
}
