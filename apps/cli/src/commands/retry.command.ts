import { Command } from 'commander';
import { positiveInt, type CliContext } from '../cli-context.js';
import { reportStartedBuild, withStartOptions, type StartOptions } from './started-build.js';

export function retryCommand(ctx: CliContext): Command {
  const command = new Command('retry')
    .description('resume a failed build from its failed step, reusing what was already built')
    .argument('<id>', 'build id', positiveInt);
  return withStartOptions(command).action(async (id: number, opts: StartOptions) => {
    await reportStartedBuild(ctx, await ctx.api.retry(id), opts);
  });
}
