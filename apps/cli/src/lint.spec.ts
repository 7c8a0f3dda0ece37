import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CompiledCli, type CliResult } from './testing/compiled-cli.js';

let cli: CompiledCli;
const dirs: string[] = [];

beforeAll(async () => {
  cli = await CompiledCli.build();
}, 180_000);
afterAll(async () => {
  await cli.remove();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A directory holding `files` (path -> text). */
function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-lint-'));
  dirs.push(dir);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

const git = (dir: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir, encoding: 'utf8' });

/** No DRYDOCK_URL that works: lint needs no server. */
const lint = (args: string[], env: Record<string, string> = {}): Promise<CliResult> => cli.run(['lint', ...args], { DRYDOCK_URL: 'not a url', ...env });

const TWO_IMAGES = `timeout: 10m
images:
  - name: web
    test: [npm test, npm run lint]
  - name: api
    context: services/api
    target: prod
    build_args: { NODE_ENV: production }
    branches: [main, "release/*"]
    paths: ["services/api/**"]
    secrets: [npm_token]
`;

describe('drydock lint', () => {
  it('names the file, the misspelt key and its line, and exits 3', async () => {
    const dir = repo({ '.drydock.yml': 'images:\n  - name: web\n    dockerfile: Dockerfile\n    tset: [npm test]\n', Dockerfile: 'FROM busybox\n' });
    const r = await lint([dir]);
    expect(r).toMatchObject({ code: 3, stdout: '', stderr: '.drydock.yml:4:5: images[0].tset: Unrecognized key: "tset"\n' });
  });

  it('prints each image with its Dockerfile, context, target, tests, rules and the tags of the branch checked out', async () => {
    const dir = repo({ '.drydock.yml': TWO_IMAGES, Dockerfile: 'FROM busybox\n', 'services/api/Dockerfile': 'FROM busybox\n' });
    git(dir, 'init', '-q', '-b', 'Feature/Login');
    git(dir, 'remote', 'add', 'origin', 'git@github.com:Acme/Shop.git');
    git(dir, 'add', '.');
    git(dir, 'commit', '-qm', 'first');
    const sha = git(dir, 'rev-parse', 'HEAD').trim();
    const r = await lint([dir]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^\.drydock\.yml is valid\nA push of refs\/heads\/Feature\/Login at [0-9a-f]{7} \(the branch checked out; default branch main\) would build:\n/);
    const web = section(r.stdout, 'web');
    expect(web).toMatch(/^ {2}image\s+localhost:5000\/acme\/web$/m);
    expect(web).toMatch(/^ {2}dockerfile\s+Dockerfile$/m);
    expect(web).toMatch(/^ {2}context\s+\.$/m);
    expect(web).toMatch(new RegExp(`^ {2}tags\\s+sha-${sha.slice(0, 7)}, feature-login$`, 'm'));
    expect(web).toMatch(/^ {2}tests\s+npm test\n\s+npm run lint$/m);
    const api = section(r.stdout, 'api');
    expect(api).toMatch(/^ {2}dockerfile\s+services\/api\/Dockerfile$/m);
    expect(api).toMatch(/^ {2}context\s+services\/api$/m);
    expect(api).toMatch(/^ {2}target\s+prod$/m);
    expect(api).toMatch(/^ {2}build args\s+NODE_ENV=production$/m);
    expect(api).toMatch(/^ {2}secrets\s+npm_token$/m);
    expect(api).toMatch(/^ {2}skipped\s+branch Feature\/Login is not in branches \(main, release\/\*\)$/m);
    expect(r.stdout).toMatch(/^Build: timeout 10m 00s, supersede true$/m);
    expect(r.stdout).toContain('Not checked without a server and Docker:');

    const main = await lint([dir, '--ref', 'main'], { DRYDOCK_REGISTRY: 'registry.example.com:5000/ci' });
    expect(section(main.stdout, 'api')).toMatch(new RegExp(`^ {2}tags\\s+sha-${sha.slice(0, 7)}, main, latest$`, 'm'));
    expect(section(main.stdout, 'api')).toMatch(/^ {2}image\s+registry\.example\.com:5000\/ci\/acme\/api$/m);
    expect(section(main.stdout, 'api')).not.toContain('skipped');
    const tag = await lint([dir, '--ref', 'refs/tags/v1.2.3', '--json']);
    expect(JSON.parse(tag.stdout)).toMatchObject({ ref: 'refs/tags/v1.2.3', sha, images: [{ name: 'web', tags: ['1.2.3', '1.2', '1', `sha-${sha.slice(0, 7)}`] }, { name: 'api', skip: null }] });
  });

  it('plans a push of main with the defaults in a directory that is no git repository and has no .drydock.yml', async () => {
    const dir = repo({ Dockerfile: 'FROM busybox\n' });
    const r = await lint([dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^no \.drydock\.yml: the defaults apply\nA push of refs\/heads\/main \(not a git repository: main; default branch main\)/);
    expect(r.stdout).toMatch(/^ {2}tags\s+sha-<commit>, main, latest$/m);
    expect(r.stdout).toMatch(/^ {2}tests\s+none$/m);
  });

  it('refuses paths that lead out of the directory, by name or through a symlink, naming the field and line', async () => {
    const outside = repo({ 'Dockerfile': 'FROM busybox\n' });
    const escaping = repo({ '.drydock.yml': 'images:\n  - name: web\n    context: ../\n' });
    expect(await lint([escaping])).toMatchObject({ code: 3, stderr: '.drydock.yml:3:5: images[0].context: "../" must be a relative path inside the repository\n' });
    const linked = repo({ '.drydock.yml': 'images:\n  - name: web\n    dockerfile: linked/Dockerfile\n' });
    symlinkSync(outside, join(linked, 'linked'));
    const r = await lint([linked]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^\.drydock\.yml:3:5: images\[0\]\.dockerfile: "linked\/Dockerfile" leads out of the repository through a symlink\n$/);
    const config = repo({ Dockerfile: 'FROM busybox\n' });
    symlinkSync(join(outside, 'Dockerfile'), join(config, '.drydock.yml'));
    expect(await lint([config])).toMatchObject({ code: 3, stderr: '.drydock.yml: must be a regular file in the repository, not a symlink\n' });
  });

  it('checks the compose test file the build would run: its sut and the variables it may use, with the line', async () => {
    const compose = (text: string) => repo({ Dockerfile: 'FROM busybox\n', 'docker-compose.test.yml': text });
    const ok = await lint([compose('services:\n  sut:\n    image: ${DRYDOCK_IMAGE}\n    command: npm test\n')]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ {2}tests\s+service sut of docker-compose\.test\.yml$/m);
    const variable = await lint([compose('services:\n  sut:\n    image: ${DRYDOCK_IMAGE}\n    environment:\n      TOKEN: ${GITHUB_TOKEN}\n')]);
    expect(variable.code).toBe(3);
    expect(variable.stderr).toMatch(/^docker-compose\.test\.yml:5:7: services\.sut\.environment\.TOKEN: \$\{GITHUB_TOKEN\} is not available/);
    const noSut = await lint([compose('services:\n  db:\n    image: postgres\n')]);
    expect(noSut).toMatchObject({ code: 3, stderr: 'docker-compose.test.yml:1:1: services.sut: missing: the sut service is the test (its exit code)\n' });
  });

  it('says a directory that does not exist is a usage error', async () => {
    const r = await lint([join(tmpdir(), 'drydock-lint-no-such-dir')]);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/does not exist/);
  });
});

/** The lines of one image's section in the plan, from its name to the next blank line. */
function section(stdout: string, image: string): string {
  const start = stdout.indexOf(`\n${image}\n`);
  expect(start).toBeGreaterThan(-1);
  const end = stdout.indexOf('\n\n', start + 1);
  return stdout.slice(start + 1, end < 0 ? undefined : end);
}
