import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '@drydock/core';
import { FakeDockerEngine } from '@drydock/testing';
import { checkComposeFile } from './compose-check.js';
import { composeModelPaths, firstOutside } from './compose-paths.js';

const FILE = 'docker-compose.test.yml';

function checkout(files: Record<string, string>, links: Record<string, string> = {}): string {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'drydock-compose-')));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  for (const [name, target] of Object.entries(links)) symlinkSync(target, path.join(dir, name));
  return dir;
}

const resolver = () => {
  const engine = new FakeDockerEngine();
  const scoped = { buildId: 1, signal: new AbortController().signal, onLog: () => undefined, image: 'local/app:1' };
  return (files: { projectDir: string; composeFile: string }) => engine.composeConfig({ ...scoped, ...files });
};

/** Checks the compose file with the fake engine's resolver; resolves with the refusal, or null when accepted. */
async function check(dir: string, trusted = false): Promise<ConfigError | null> {
  try {
    await checkComposeFile(dir, FILE, resolver(), trusted);
    return null;
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
}

const sut = (lines: string) => `services:\n  sut:\n${lines.includes('build:') ? '' : '    image: ${DRYDOCK_IMAGE}\n'}${lines}`;

describe('checkComposeFile', () => {
  it('accepts contexts, env files and named volumes inside the checkout', async () => {
    const dir = checkout({ [FILE]: sut('    build: { context: app }\n    env_file: app/test.env\n    volumes: ["cache:/cache"]\nvolumes:\n  cache: {}\n'), 'app/Dockerfile': 'FROM busybox', 'app/test.env': 'A=1' });
    expect(await check(dir)).toBeNull();
  });

  it.each([
    ['an absolute build.context', '    build: { context: /etc }\n', 'services.sut.build.context'],
    ['a build.context climbing out', '    build: { context: ../../.. }\n', 'services.sut.build.context'],
    ['a build.dockerfile climbing out', '    build: { context: ., dockerfile: ../../etc/Dockerfile }\n', 'services.sut.build.dockerfile'],
    ['a bind mount of /', '    volumes: ["/:/host"]\n', 'services.sut.volumes[0]'],
    ['a bind mount of the docker socket', '    volumes: [{ type: bind, source: /var/run/docker.sock, target: /s }]\n', 'services.sut.volumes[0]'],
    ['a bind mount of ..', '    volumes: ["..:/up"]\n', 'services.sut.volumes[0]'],
    ['a bind mount inside the checkout', '    volumes: ["./app:/src"]\n', 'services.sut.volumes[0]'],
    ['an absolute env_file', '    env_file: /etc/hostname\n', 'services.sut.env_file'],
    ['an env_file climbing out', '    env_file: [../secrets.env]\n', 'services.sut.env_file'],
    ['an extends.file outside', '    extends: { file: /etc/compose.yml, service: x }\n', 'services.sut.extends.file'],
    ['a variable in an env_file', '    env_file: "${HOME:-/etc}/x.env"\n', 'services.sut.env_file'],
  ])('refuses %s, naming the service and field', async (_what, lines, field) => {
    const err = await check(checkout({ [FILE]: sut(lines), Dockerfile: 'FROM busybox' }));
    expect(err?.file).toBe(FILE);
    expect(err?.field).toBe(field);
    expect(err?.message).toContain(`${FILE}: ${field}: `);
  });

  it('refuses a build context that is a symlink out, and a symlink out inside a context', async () => {
    const outside = checkout({ Dockerfile: 'FROM busybox' });
    const linked = await check(checkout({ [FILE]: sut('    build: { context: ctx }\n') }, { ctx: outside }));
    expect(linked?.message).toBe(`${FILE}: services.sut.build.context: "ctx" leads out of the repository through a symlink`);
    const nested = await check(checkout({ [FILE]: sut('    build: .\n'), Dockerfile: 'FROM busybox' }, { etc: '/etc' }));
    expect(nested?.message).toContain('symlink "etc" leads out of the repository');
  });

  it('refuses an env_file that is a FIFO or a link to /dev/zero before compose reads it', async () => {
    const dir = checkout({ [FILE]: sut('    env_file: [test.env]\n') });
    execFileSync('mkfifo', [path.join(dir, 'test.env')]);
    expect((await check(dir))?.message).toBe(`${FILE}: services.sut.env_file: "test.env" must be a regular file`);
    const zero = await check(checkout({ [FILE]: sut('    env_file: [test.env]\n') }, { 'test.env': '/dev/zero' }));
    expect(zero?.message).toContain('leads out of the repository');
  });

  it('checks the files an extends names, and refuses a .env that is not a regular file', async () => {
    const dir = checkout({ [FILE]: sut('    extends: { file: base/common.yml, service: base }\n'), 'base/common.yml': 'services:\n  base:\n    env_file: ../../x.env\n' });
    expect(await check(dir)).toMatchObject({ file: 'base/common.yml', field: 'services.base.env_file' });
    const env = await check(checkout({ [FILE]: sut('') }, { '.env': '/dev/zero' }));
    expect(env?.message).toBe('.env: must be a regular file in the repository, not a symlink');
  });
});

describe('checkComposeFile: variables', () => {
  it('refuses a variable of the worker\'s environment, naming the field', async () => {
    const err = await check(checkout({ [FILE]: sut('    environment: { TOKEN: "${GITHUB_TOKEN}" }\n') }));
    expect(err?.message).toBe(`${FILE}: services.sut.environment.TOKEN: \${GITHUB_TOKEN} is not available: compose files may use DRYDOCK_IMAGE and the variables the repository's .env defines`);
    const bare = await check(checkout({ [FILE]: sut('    command: ["sh", "-c", "echo $HOME"]\n') }));
    expect(bare?.field).toBe('services.sut.command[2]');
  });

  it('accepts DRYDOCK_IMAGE, the .env\'s variables and escaped dollars', async () => {
    const dir = checkout({ [FILE]: sut('    environment: { V: "${PG_VERSION:-16}" }\n    command: ["sh", "-c", "echo $$HOME $${X}"]\n'), '.env': '# versions\nexport PG_VERSION=16\n' });
    expect(await check(dir)).toBeNull();
  });
});

describe('checkComposeFile: a trusted repository', () => {
  it('may mount host paths, and hears which fields trust allowed', async () => {
    const dir = checkout({ [FILE]: sut('    cap_add: [NET_ADMIN]\n    volumes: [{ type: bind, source: /var/run/docker.sock, target: /s }, "./app:/src"]\n'), 'app/x': '' });
    const checked = await checkComposeFile(dir, FILE, resolver(), true);
    expect(checked.trustedFields).toEqual(['services.sut.cap_add', 'services.sut.volumes[0]', 'services.sut.volumes[1]']);
    expect(checked.model.services.sut.cap_add).toEqual(['NET_ADMIN']);
  });

  it('still refuses ${GITHUB_TOKEN} and any other variable of the worker\'s environment', async () => {
    const err = await check(checkout({ [FILE]: sut('    cap_add: [NET_ADMIN]\n    environment: { TOKEN: "${GITHUB_TOKEN}" }\n') }), true);
    expect(err?.field).toBe('services.sut.environment.TOKEN');
    expect(err?.message).toContain('${GITHUB_TOKEN} is not available: compose files, even a trusted repository\'s, may use DRYDOCK_IMAGE');
    expect((await check(checkout({ [FILE]: sut('    command: ["sh", "-c", "echo $HOME"]\n') }), true))?.field).toBe('services.sut.command[2]');
  });

  it.each([
    ['an env_file outside', '    env_file: /etc/hostname\n', 'services.sut.env_file'],
    ['an extends.file outside', '    extends: { file: /etc/compose.yml, service: x }\n', 'services.sut.extends.file'],
    ['a build.context outside', '    build: { context: /etc }\n', 'services.sut.build.context'],
  ])('still refuses %s: the worker reads it, not the engine', async (_what, lines, field) => {
    const err = await check(checkout({ [FILE]: sut(lines), Dockerfile: 'FROM busybox' }), true);
    expect(err?.field).toBe(field);
    expect(err?.message).toContain('even for a trusted repository');
  });
});

describe('composeModelPaths', () => {
  it('lists the host paths of a resolved model: contexts, Dockerfiles, binds, secrets and device volumes', () => {
    const model = {
      services: { sut: { build: { context: '/co/app', dockerfile: 'Dockerfile', additional_contexts: { base: 'docker-image://busybox', lib: '../lib' } }, volumes: [{ type: 'volume', source: 'v', target: '/v' }, { type: 'bind', source: '/co/data', target: '/d' }] } },
      secrets: { token: { file: '/etc/token' } },
      volumes: { dev: { driver_opts: { type: 'none', o: 'bind', device: '/' } } },
    };
    const paths = composeModelPaths(model);
    expect(paths.map((p) => `${p.field}=${p.path}`)).toEqual([
      'services.sut.build.context=/co/app',
      'services.sut.build.dockerfile=/co/app/Dockerfile',
      'services.sut.build.additional_contexts.lib=/co/lib',
      'services.sut.volumes[1].source=/co/data',
      'secrets.token.file=/etc/token',
      'volumes.dev.driver_opts.device=/',
    ]);
    expect(firstOutside('/co', '/co', paths)?.field).toBe('secrets.token.file');
  });
});
