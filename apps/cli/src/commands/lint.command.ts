import { Command } from 'commander';
import { ConfigError } from '@drydock/core';
import { printJson, type CliContext } from '../cli-context.js';
import { EXIT } from '../cli-errors.js';
import { paletteOf } from '../colours.js';

interface LintOptions {
  ref?: string;
  defaultBranch?: string;
  repo?: string;
  json?: boolean;
}

/** The contract's default registry, where DRYDOCK_REGISTRY is not set. */
const DEFAULT_REGISTRY = 'localhost:5000';

/** `drydock lint [DIR]`, as `woodpecker-cli lint`: the worker's checks of `.drydock.yml`, no server needed, and the plan. */
export function lintCommand(ctx: CliContext): Command {
  return new Command('lint')
    .description('check .drydock.yml (and docker-compose.test.yml) in DIR as the worker would, and print what a push would build')
    .argument('[dir]', 'the repository directory', '.')
    .option('--ref <ref>', 'plan a push of this branch, or full ref (refs/tags/v1.2.3); default: the branch checked out, else main')
    .option('--default-branch <branch>', "the repository's default branch (gets `latest`); default: origin/HEAD, else main")
    .option('--repo <owner/name>', 'the repository, for image names; default: the origin remote')
    .option('--json', 'print the plan as JSON')
    .action(async (dir: string, opts: LintOptions) => {
      // Loaded here, so the other commands do not load the pipeline.
      const { lintRepository } = await import('../lint/lint-plan.js');
      const { configErrorText, lintPlanText } = await import('../lint/lint-view.js');
      const registry = ctx.env.DRYDOCK_REGISTRY?.trim() || DEFAULT_REGISTRY;
      try {
        const plan = await lintRepository({ dir, ref: opts.ref, defaultBranch: opts.defaultBranch, repo: opts.repo, registry });
        if (opts.json) printJson(ctx, plan);
        else ctx.stdout.write(lintPlanText(plan, paletteOf(ctx.stdout)));
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        const { positionOf } = await import('../lint/config-position.js');
        ctx.stderr.write(`${configErrorText(err, await positionOf(dir, err))}\n`);
        ctx.exitCode = EXIT.invalidConfig;
      }
    });
}
