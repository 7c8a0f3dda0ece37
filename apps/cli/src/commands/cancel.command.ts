import { Command } from 'commander';
import { positiveInt, type CliContext } from '../cli-context.js';

export function cancelCommand(ctx: CliContext): Command {
  return new Command('cancel')
    .description('cancel a queued or running build')
    .argument('<id>', 'build id', positiveInt)
    .action(async (id: number) => {
      await ctx.api.cancel(id);
      ctx.stdout.write(`#${id} cancelled\n`);
    });
}
