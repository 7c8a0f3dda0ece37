import { Command } from 'commander';
import { positiveInt, printJson, type CliContext } from '../cli-context.js';

/** `drydock approve ID`: a fork's pull request build that waits (`blocked`) runs, for that head commit. */
export function approveCommand(ctx: CliContext): Command {
  return new Command('approve')
    .description("let a fork's pull request build that waits for approval (blocked) run, for its head commit")
    .argument('<id>', 'build id', positiveInt)
    .option('--json', 'print the build as JSON')
    .action(async (id: number, options: { json?: boolean }) => {
      const build = await ctx.api.approve(id);
      if (options.json) printJson(ctx, build);
      else ctx.stdout.write(`#${id} approved: ${build.status}\n`);
    });
}

/** `drydock decline ID`: a build that waits for approval ends `cancelled` without running. */
export function declineCommand(ctx: CliContext): Command {
  return new Command('decline')
    .description('end a build that waits for approval (blocked) without running it')
    .argument('<id>', 'build id', positiveInt)
    .option('--json', 'print the build as JSON')
    .action(async (id: number, options: { json?: boolean }) => {
      const build = await ctx.api.decline(id);
      if (options.json) printJson(ctx, build);
      else ctx.stdout.write(`#${id} declined\n`);
    });
}
