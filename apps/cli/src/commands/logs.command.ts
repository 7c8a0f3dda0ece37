import { Command } from 'commander';
import { isFinal } from '@drydock/core';
import { positiveInt, type CliContext } from '../cli-context.js';
import { EXIT } from '../cli-errors.js';
import { printable } from '../colours.js';
import { waitForBuild } from '../wait-for-build.js';

interface LogsOptions {
  follow?: boolean;
  exitStatus?: boolean;
}

/** Where `--exit-status` waits for the build's end silently (the log is the output). */
const SILENT = { write: () => undefined, isTTY: false, colour: false };

export function logsCommand(ctx: CliContext): Command {
  return new Command('logs')
    .description("print a build's log (raw text)")
    .argument('<id>', 'build id', positiveInt)
    .option('-f, --follow', 'keep printing new lines until the build ends')
    .option('--exit-status', 'exit 0 only if the build succeeded (with -f: once it ends), 1 otherwise')
    .option('--json', 'accepted for symmetry; the log is always raw text')
    .action(async (id: number, opts: LogsOptions) => {
      if (!opts.follow) ctx.stdout.write(await ctx.api.getLog(id));
      else for await (const text of ctx.api.followLog(id)) ctx.stdout.write(text);
      if (!opts.exitStatus) return;
      let build = await ctx.api.getBuild(id);
      // The stream may close before the build is stored as ended: wait for it, quietly.
      if (opts.follow && !isFinal(build.status)) build = await waitForBuild(ctx.api, build, SILENT);
      if (build.status === 'success') return;
      ctx.stderr.write(`#${id} ${build.status}${build.error ? `: ${printable(build.error)}` : ''}\n`);
      ctx.exitCode = EXIT.failed;
    });
}
