import { Command } from 'commander';
import { positiveInt, type CliContext } from '../cli-context.js';
import { reportStartedBuild, withStartOptions, type StartOptions } from './started-build.js';

export function rebuildCommand(ctx: CliContext): Command {
  const command = new Command('rebuild')
    .description('start a new build of the same commit')
    .argument('<id>', 'build id', positiveInt);
  return withStartOptions(command).action(async (id: number, opts: StartOptions) => {
    await reportStartedBuild(ctx, await ctx.api.rebuild(id), opts);
  });
}
