import { Command } from 'commander';
import { positiveInt, type CliContext } from '../cli-context.js';

export function logsCommand(ctx: CliContext): Command {
  return new Command('logs')
    .description("print a build's log (raw text)")
    .argument('<id>', 'build id', positiveInt)
    .option('-f, --follow', 'keep printing new lines until the build ends')
    .option('--json', 'accepted for symmetry; the log is always raw text')
    .action(async (id: number, opts: { follow?: boolean }) => {
      if (!opts.follow) return ctx.stdout.write(await ctx.api.getLog(id));
      for await (const text of ctx.api.followLog(id)) ctx.stdout.write(text);
    });
}
