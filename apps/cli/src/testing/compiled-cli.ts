import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(import.meta.dirname, '../../../..');
const run = promisify(execFile);

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  /** Resolves once stdout contains `text`: proves output arrives while the process still runs. */
  stdoutContains(text: string): Promise<void>;
  readonly done: Promise<CliResult>;
}

/**
 * The CLI compiled from the current sources into a temporary package laid out like the repo
 * (`bin/drydock.js` -> `dist/apps/cli/src/main.js`), so tests run the real shim in a real process.
 */
export class CompiledCli {
  private constructor(private readonly dir: string) {}

  static async build(): Promise<CompiledCli> {
    const dir = await mkdtemp(join(tmpdir(), 'drydock-cli-'));
    const outDir = join(dir, 'dist');
    // Emitted without type-checking (the typecheck and the build do that): it is the runtime code under test.
    await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'apps/cli/tsconfig.build.json'), '--outDir', outDir, '--noCheck']);
    await run(process.execPath, [join(ROOT, 'node_modules/tsc-alias/dist/bin/index.js'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', outDir]);
    await mkdir(join(dir, 'bin'));
    await copyFile(join(ROOT, 'bin/drydock.js'), join(dir, 'bin/drydock.js'));
    const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    await writeFile(join(dir, 'package.json'), `${JSON.stringify({ type: 'module', version })}\n`);
    await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    return new CompiledCli(dir);
  }

  /** Starts `drydock <args>` with only PATH and `env` set (no inherited DRYDOCK_*), stdio piped (not a TTY). */
  start(args: string[], env: Record<string, string>): CliProcess {
    const child = spawn(process.execPath, [join(this.dir, 'bin/drydock.js'), ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const watchers: { text: string; resolve: () => void }[] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      for (const w of watchers) if (stdout.includes(w.text)) w.resolve();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
    return {
      done,
      stdoutContains: (text) =>
        new Promise((resolve, reject) => {
          if (stdout.includes(text)) return resolve();
          watchers.push({ text, resolve });
          void done.then((r) => reject(new Error(`exited (${r.code}) before printing ${JSON.stringify(text)}: ${r.stdout}${r.stderr}`)));
        }),
    };
  }

  run(args: string[], env: Record<string, string>): Promise<CliResult> {
    return this.start(args, env).done;
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
