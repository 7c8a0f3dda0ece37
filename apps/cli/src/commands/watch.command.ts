import { Command } from 'commander';
import { buildOutcome } from '../build-view.js';
import { positiveInt, printJson, type CliContext } from '../cli-context.js';
import { EXIT } from '../cli-errors.js';
import { paletteOf } from '../colours.js';
import { watchBuild } from '../watch-build.js';

/** `drydock watch ID`, as `gh run watch`: follows an existing build's steps until it ends; exit 0 only on success. */
export function watchCommand(ctx: CliContext): Command {
  return new Command('watch')
    .description("follow a build's steps live until it ends; exit 0 only if it succeeds (1 otherwise)")
    .argument('<id>', 'build id', positiveInt)
    .option('-i, --interval <seconds>', 'seconds between refreshes', positiveInt, 1)
    .option('--json', 'print the final build as JSON (the live steps go to stderr)')
    .action(async (id: number, opts: { interval: number; json?: boolean }) => {
      const live = opts.json ? ctx.stderr : ctx.stdout;
      const final = await watchBuild(ctx.api, id, live, paletteOf(live), opts.interval * 1000);
      if (opts.json) printJson(ctx, final);
      else ctx.stdout.write(buildOutcome(final, Date.now(), paletteOf(ctx.stdout)));
      ctx.exitCode = final.status === 'success' ? EXIT.ok : EXIT.failed;
    });
}
