import { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { reportStartedBuild, withStartOptions, type StartOptions } from './started-build.js';

interface TriggerOptions extends StartOptions {
  ref?: string;
  sha?: string;
}

export function triggerCommand(ctx: CliContext): Command {
  const command = new Command('trigger')
    .description('start a build of a repository')
    .argument('<repo>', 'owner/name, or a git URL')
    .option('--ref <ref>', "branch, tag or full ref (default: the server's choice)")
    .option('--sha <sha>', 'build this commit instead of the tip of the ref');
  return withStartOptions(command).action(async (repo: string, opts: TriggerOptions) => {
    const build = await ctx.api.trigger({ repo, ref: opts.ref, sha: opts.sha });
    await reportStartedBuild(ctx, build, opts);
  });
}
