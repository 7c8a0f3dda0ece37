import path from 'node:path';
import { DrydockError } from '@drydock/core';
import type { DockerEngine } from '@drydock/docker';
import type { ImagePlan } from '../image-plan.js';
import { scopedTo, type StepContext } from '../step-context.js';

/** Runs the image's test commands in it, or the compose `sut` (checked by the config step); any non-zero exit fails the build. */
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
    const composeFile = path.join(checkoutDir, composeTestFile);
    const { exitCode } = await docker.runComposeTest({ ...scoped, image: plan.localRef, projectDir: checkoutDir, composeFile });
    if (exitCode !== 0) throw new DrydockError('test_failed', `Test failed: sut of ${composeTestFile} exited with ${exitCode}`);
    return;
  }
  ctx.log.line('No tests configured');
}
