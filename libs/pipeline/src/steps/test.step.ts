import path from 'node:path';
import { DrydockError } from '@drydock/core';
import type { BuildRun } from '../build-run.js';
import type { BuiltImage } from './build.step.js';

/** Runs the image's test commands in it, or the compose `sut`; any non-zero exit fails the build. */
export async function testStep(run: BuildRun, image: BuiltImage, composeTestFile: string | null, checkoutDir: string): Promise<void> {
  const scoped = { buildId: run.build.id, signal: run.signal, onLog: (line: string) => run.log.line(line) };
  if (image.spec.testCommands.length > 0) {
    for (const command of image.spec.testCommands) {
      run.log.line(`$ ${command}`);
      const { exitCode } = await run.deps.docker.runTestCommand({ ...scoped, image: image.localRef, command });
      if (exitCode !== 0) throw new DrydockError('test_failed', `Test failed: "${command}" exited with ${exitCode}`);
    }
    return;
  }
  if (composeTestFile) {
    run.log.line(`Running service sut of ${composeTestFile}`);
    const { exitCode } = await run.deps.docker.runComposeTest({
      ...scoped,
      image: image.localRef,
      projectDir: checkoutDir,
      composeFile: path.join(checkoutDir, composeTestFile),
    });
    if (exitCode !== 0) throw new DrydockError('test_failed', `Test failed: sut of ${composeTestFile} exited with ${exitCode}`);
    return;
  }
  run.log.line('No tests configured');
}
