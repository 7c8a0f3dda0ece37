import { Command } from 'commander';
import { buildDetails } from '../build-view.js';
import { paletteOf } from '../colours.js';
import { positiveInt, printJson, type CliContext } from '../cli-context.js';

export function showCommand(ctx: CliContext): Command {
  return new Command('show')
    .description('show one build: steps with durations, images with tags and digest, error')
    .argument('<id>', 'build id', positiveInt)
    .option('--json', 'print the API answer as JSON')
    .action(async (id: number, opts: { json?: boolean }) => {
      const build = await ctx.api.getBuild(id);
      if (opts.json) printJson(ctx, build);
      else ctx.stdout.write(buildDetails(build, Date.now(), paletteOf(ctx.stdout)));
    });
}
