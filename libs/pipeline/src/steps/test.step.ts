import { realpath } from 'node:fs/promises';
import { DrydockError } from '@drydock/core';
import type { DockerEngine } from '@drydock/docker';
import { checkBuildCompose } from '../compose-check.js';
import type { ImagePlan } from '../image-plan.js';
import { scopedTo, type StepContext } from '../step-context.js';

/**
 * Runs the image's test commands in it, or the compose `sut`; any non-zero exit fails the build.
 * The compose file is resolved again with the built image as DRYDOCK_IMAGE and checked again
 * (as in the config step); the engine runs that checked model, not the file.
 */
export async function testStep(ctx: StepContext, docker: DockerEngine, plan: ImagePlan, composeTestFile: string | null, checkoutDir: string): Promise<void> {
  const scoped = scopedTo(ctx);
  if (plan.spec.testCommands.length > 0) {
    for (const command of plan.spec.testCommands) {
      ctx.log.line(`$ ${command}`);
      const { exitCode } = await docker.runTestCommand({ ...scoped, image: plan.localRef, command });
      if (exitCode !== 0) throw new DrydockError('test_failed', `Test failed: "${command}" exited with ${exitCode}`);
    }
    return;
  }
  if (composeTestFile) {
    ctx.log.line(`Running service sut of ${composeTestFile}`);
    const resolve = (files: { projectDir: string; composeFile: string }) => docker.composeConfig({ ...scoped, image: plan.localRef, ...files });
    const model = await checkBuildCompose(ctx, await realpath(checkoutDir), composeTestFile, resolve);
    const { exitCode } = await docker.runComposeTest({ ...scoped, projectDir: checkoutDir, composeFile: composeTestFile, model });
    if (exitCode !== 0) throw new DrydockError('test_failed', `Test failed: sut of ${composeTestFile} exited with ${exitCode}`);
    return;
  }
  ctx.log.line('No tests configured');
}
