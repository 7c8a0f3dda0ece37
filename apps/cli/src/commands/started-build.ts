import type { Command } from 'commander';
import type { ApiBuild } from '../api-client.js';
import { buildOutcome } from '../build-view.js';
import { paletteOf } from '../colours.js';
import { printJson, type CliContext } from '../cli-context.js';
import { EXIT } from '../cli-errors.js';
import { shortRef, shortSha } from '../format.js';
import { waitForBuild } from '../wait-for-build.js';

export interface StartOptions {
  wait?: boolean;
  json?: boolean;
}

/** The options shared by the commands that start a build (trigger, rebuild, retry). */
export function withStartOptions(command: Command): Command {
  return command
    .option('--wait', 'follow the build until it ends; exit 0 only if it succeeds')
    .option('--json', 'print the build as JSON (the final one with --wait)');
}

/** Reports a build the server just created and, with `--wait`, follows it to the end. */
export async function reportStartedBuild(ctx: CliContext, build: ApiBuild, opts: StartOptions): Promise<void> {
  if (!opts.wait) {
    if (opts.json) printJson(ctx, build);
    else ctx.stdout.write(`#${build.id} ${build.status}: ${build.repo} ${shortRef(build.ref)} ${shortSha(build.sha)}\n`);
    return;
  }
  ctx.stderr.write(`#${build.id} ${build.status}: ${build.repo} ${shortRef(build.ref)} ${shortSha(build.sha)}\n`);
  const final = await waitForBuild(ctx.api, build, ctx.stderr);
  if (opts.json) printJson(ctx, final);
  else ctx.stdout.write(buildOutcome(final, Date.now(), paletteOf(ctx.stdout)));
  ctx.exitCode = final.status === 'success' ? EXIT.ok : EXIT.failed;
}
