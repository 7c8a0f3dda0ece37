import { realpath } from 'node:fs/promises';
import { messageOf, type Build } from '@drydock/core';
import type { DockerEngine } from '@drydock/docker';
import type { GitClient } from '@drydock/git';
import type { BuildStore } from '@drydock/store';
import { resolveSecrets, type BuildSecret } from '../build-secrets.js';
import { checkBuildCompose } from '../compose-check.js';
import { CONFIG_FILE, loadDrydockConfig, type DrydockConfig } from '../drydock-config.js';
import { selectImages } from '../image-rules.js';
import { scopedTo, type StepContext } from '../step-context.js';

export interface ConfigPorts {
  docker: DockerEngine;
  git: GitClient;
  store: Pick<BuildStore, 'saveRepoSettings'>;
}

export interface ConfigInput {
  build: Build;
  checkout: { dir: string; sha: string };
  /** For fetching the commit `paths` compare against, as the clone step uses it. */
  token?: string;
  /** DRYDOCK_SECRETS_DIR (see build-secrets.ts). */
  secretsDir?: string;
}

export interface BuildConfig extends DrydockConfig {
  /** Per image of `images`: why this build leaves it out (`branches`, `paths`), or null when it builds it. */
  skips: Array<string | null>;
  /** The build secrets the images it builds name, by name: none for a fork's build. */
  secrets: Map<string, BuildSecret>;
}

/**
 * Reads and validates `.drydock.yml` (or the defaults when there is none) and the compose test
 * file, if the build uses one, before anything of the repository's runs: every path they name
 * must stay inside the checkout. Then: stores `supersede` for the API (never from a fork's
 * code), decides which images this build builds, and resolves their build secrets (a fork's
 * build gets none), masked in the log from then on.
 */
export async function configStep(ctx: StepContext, ports: ConfigPorts, input: ConfigInput): Promise<BuildConfig> {
  const { build, checkout } = input;
  const config = await loadDrydockConfig(checkout.dir);
  for (const image of config.images) {
    const tests = image.testCommands.length ? `${image.testCommands.length} test command(s)` : config.composeTestFile ? `sut in ${config.composeTestFile}` : 'no tests';
    ctx.log.line(`Image ${image.name ?? '(repository)'}: ${image.dockerfile}${image.target ? ` target ${image.target}` : ''}, ${tests}`);
  }
  if (config.images.length === 1 && config.images[0].name === null) ctx.log.line(`Using ${CONFIG_FILE} defaults where not set`);
  if (config.composeTestFile) {
    // DRYDOCK_IMAGE only names the image compose runs; no path depends on it.
    const resolve = (files: { projectDir: string; composeFile: string }) => ports.docker.composeConfig({ ...scopedTo(ctx), image: 'drydock/compose-check', ...files });
    await checkBuildCompose(ctx, await realpath(checkout.dir), config.composeTestFile, resolve);
  }
  if (!build.fork) {
    await ports.store.saveRepoSettings(build.repo, { supersede: config.supersede }).catch((err) => ctx.log.line(`[drydock] supersede: ${config.supersede} not stored: ${messageOf(err)}`));
  }
  const skips = await selectImages(ctx, ports.git, { build, sha: checkout.sha, token: input.token }, config.images);
  const names = [...new Set(config.images.flatMap((image, i) => (skips[i] === null ? image.secrets : [])))];
  return { ...config, skips, secrets: await secretsOf(ctx, build, input.secretsDir, names) };
}

async function secretsOf(ctx: StepContext, build: Build, secretsDir: string | undefined, names: string[]): Promise<Map<string, BuildSecret>> {
  if (names.length === 0) return new Map();
  if (build.fork) {
    ctx.log.line(`[drydock] Build secrets ${names.join(', ')} are not given to a fork's code: it builds without them`);
    return new Map();
  }
  const secrets = await resolveSecrets(secretsDir, build.repo, names);
  ctx.mask([...secrets.values()].map((s) => s.value));
  ctx.log.line(`Build secrets: ${names.join(', ')}`);
  return secrets;
}
