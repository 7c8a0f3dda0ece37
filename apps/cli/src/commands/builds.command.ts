import { Command, Option } from 'commander';
import { BUILD_STATUSES, type BuildStatus } from '@drydock/core';
import { buildsTable } from '../build-view.js';
import { paletteOf } from '../colours.js';
import { positiveInt, printJson, type CliContext } from '../cli-context.js';

interface BuildsOptions {
  repo?: string;
  branch?: string;
  status?: BuildStatus;
  limit?: number;
  cursor?: string;
  json?: boolean;
}

export function buildsCommand(ctx: CliContext): Command {
  return new Command('builds')
    .description('list builds, newest first')
    .option('--repo <owner/name>', 'only this repository')
    .option('--branch <branch>', 'only this branch')
    .addOption(new Option('--status <status>', 'only builds in this status').choices(BUILD_STATUSES))
    .option('--limit <n>', 'at most this many builds', positiveInt)
    .option('--cursor <cursor>', 'continue a previous listing (see its last line)')
    .option('--json', 'print the API answer as JSON')
    .action(async (opts: BuildsOptions) => {
      const { json, ...filter } = opts;
      const page = await ctx.api.listBuilds(filter);
      if (json) return printJson(ctx, page);
      if (page.items.length === 0) return ctx.stderr.write('no builds found\n');
      ctx.stdout.write(buildsTable(page.items, Date.now(), paletteOf(ctx.stdout)));
      if (page.nextCursor) ctx.stderr.write(`more: drydock builds --cursor ${page.nextCursor}\n`);
    });
}
