import path from 'node:path';
import { withoutCredentials } from '@drydock/core';
import type { BuildRun } from '../build-run.js';

/** Checks out the exact commit through the repository's persistent mirror. */
export async function cloneStep(run: BuildRun): Promise<{ dir: string; sha: string }> {
  const { build, deps } = run;
  const dir = path.join(run.workDir, 'src');
  run.log.line(`Fetching ${withoutCredentials(build.cloneUrl)} ${build.ref}${build.sha ? ` at ${build.sha}` : ''}`);
  const { sha } = await deps.git.checkout({
    cloneUrl: build.cloneUrl,
    ref: build.ref,
    sha: build.sha,
    token: deps.settings.githubToken,
    destDir: dir,
    signal: run.signal,
    onLog: (line) => run.log.line(line),
  });
  if (sha !== build.sha) await run.save({ sha });
  run.log.line(`Checked out ${sha}`);
  return { dir, sha };
}
