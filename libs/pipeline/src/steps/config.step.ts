import { CONFIG_FILE, loadDrydockConfig, type DrydockConfig } from '../drydock-config.js';
import type { BuildRun } from '../build-run.js';

/** Reads and validates `.drydock.yml` (or the defaults when there is none). */
export async function configStep(run: BuildRun, checkoutDir: string): Promise<DrydockConfig> {
  const config = loadDrydockConfig(checkoutDir);
  for (const image of config.images) {
    const tests = image.testCommands.length ? `${image.testCommands.length} test command(s)` : config.composeTestFile ? `sut in ${config.composeTestFile}` : 'no tests';
    run.log.line(`Image ${image.name ?? '(repository)'}: ${image.dockerfile}${image.target ? ` target ${image.target}` : ''}, ${tests}`);
  }
  if (config.images.length === 1 && config.images[0].name === null) run.log.line(`Using ${CONFIG_FILE} defaults where not set`);
  return config;
}
