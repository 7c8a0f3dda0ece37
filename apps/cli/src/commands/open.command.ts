import { spawn } from 'node:child_process';
import { Command } from 'commander';
import { positiveInt, type CliContext } from '../cli-context.js';

/** The program that opens a URL in the desktop's browser; given the URL as its only argument, never through a shell. */
const OPENER = 'xdg-open';

/** `drydock open ID`: the build's page on the dashboard (`<server>/builds/<id>`); `--browser` opens it. */
export function openCommand(ctx: CliContext): Command {
  return new Command('open')
    .description("print the build's page on the dashboard (<server>/builds/<id>); --browser opens it")
    .argument('<id>', 'build id', positiveInt)
    .option('--browser', `open the page with ${OPENER}; prints it when that cannot be done`)
    .action(async (id: number, opts: { browser?: boolean }) => {
      const url = `${ctx.config.url}/builds/${id}`;
      if (opts.browser) {
        const problem = await openInBrowser(url);
        if (problem === null) return ctx.stderr.write(`Opening ${url} in your browser\n`);
        ctx.stderr.write(`drydock: could not open a browser (${problem}); the page is:\n`);
      }
      ctx.stdout.write(`${url}\n`);
    });
}

/** Runs the opener with the URL as one argument; null when it exited 0, else why not. */
function openInBrowser(url: string): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn(OPENER, [url], { stdio: 'ignore' });
    child.on('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ENOENT' ? `${OPENER} not found` : `${OPENER}: ${err.message}`));
    child.on('exit', (code, signal) => resolve(code === 0 ? null : `${OPENER} exited with ${code ?? signal}`));
  });
}
