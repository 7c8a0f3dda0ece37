import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '@drydock/core';
import { loadDrydockConfig } from './drydock-config.js';

function checkout(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'drydock-config-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

async function configError(files: Record<string, string>): Promise<ConfigError> {
  try {
    await loadDrydockConfig(checkout(files));
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadDrydockConfig', () => {
  it('builds ./Dockerfile with no tests when there is no config', async () => {
    const dir = checkout({ Dockerfile: 'FROM busybox' });
    expect(await loadDrydockConfig(dir)).toEqual({
      images: [{ name: null, contextDir: dir, dockerfile: 'Dockerfile', target: undefined, buildArgs: {}, testCommands: [], branches: null, paths: null, secrets: [] }],
      composeTestFile: null,
      timeoutSeconds: null,
      supersede: true,
    });
  });

  it('uses the compose sut when there are no test commands', async () => {
    const dir = checkout({ Dockerfile: 'FROM busybox', 'docker-compose.test.yml': 'services: {}' });
    expect((await loadDrydockConfig(dir)).composeTestFile).toBe('docker-compose.test.yml');
  });

  it('reads images, build args and tests, with the dockerfile relative to the context', async () => {
    const dir = checkout({
      'svc/Dockerfile.prod': 'FROM busybox',
      '.drydock.yml': 'images:\n  - name: api\n    context: svc\n    dockerfile: Dockerfile.prod\n    target: run\n    build_args: { VERSION: 3, DEBUG: false }\n    test: echo ok\n',
    });
    const [image] = (await loadDrydockConfig(dir)).images;
    expect(image).toMatchObject({ name: 'api', dockerfile: 'svc/Dockerfile.prod', target: 'run', buildArgs: { VERSION: '3', DEBUG: 'false' }, testCommands: ['echo ok'] });
  });

  it('names the field of a wrong type', async () => {
    const err = await configError({ Dockerfile: 'FROM busybox', '.drydock.yml': 'images:\n  - test: { run: 1 }\n' });
    expect(err.field).toBe('images[0].test');
    expect(err.message).toContain('.drydock.yml: images[0].test');
  });

  it('names an unknown field', async () => {
    expect((await configError({ Dockerfile: 'x', '.drydock.yml': 'images:\n  - dockerfle: Dockerfile\n' })).field).toBe('images[0].dockerfle');
  });

  it('rejects a missing dockerfile and paths outside the repository', async () => {
    expect((await configError({ '.drydock.yml': 'images:\n  - dockerfile: Nope\n' })).field).toBe('images[0].dockerfile');
    expect((await configError({ Dockerfile: 'x', '.drydock.yml': 'images:\n  - context: ../..\n' })).field).toBe('images[0].context');
  });

  it('reports invalid YAML with its line', async () => {
    expect((await configError({ Dockerfile: 'x', '.drydock.yml': 'images:\n  - name: [unclosed\n' })).message).toMatch(/invalid YAML at line \d+/);
  });
});

describe('loadDrydockConfig bounds', () => {
  const images = (n: number) => `images:\n${Array.from({ length: n }, (_, i) => `  - name: img${i}\n`).join('')}`;

  it('refuses more than 50 images, also 100,000 of them at once, naming the field', async () => {
    expect((await configError({ Dockerfile: 'x', '.drydock.yml': images(51) })).field).toBe('images');
    const started = Date.now();
    const err = await configError({ Dockerfile: 'x', '.drydock.yml': 'images:\n' + '  - {}\n'.repeat(100_000) });
    expect(err.message).toBe('.drydock.yml: images: lists more than 50 images; at most 50 are allowed');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('refuses 100,000 images in flow style at once', async () => {
    const started = Date.now();
    expect((await configError({ Dockerfile: 'x', '.drydock.yml': `images: [${'{},'.repeat(100_000)}]\n` })).field).toBe('images');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('accepts 50 distinct images and refuses a duplicate name', async () => {
    expect((await loadDrydockConfig(checkout({ Dockerfile: 'x', '.drydock.yml': images(50) }))).images).toHaveLength(50);
    expect((await configError({ Dockerfile: 'x', '.drydock.yml': 'images:\n  - name: a\n  - name: b\n  - name: a\n' })).message).toContain('two images are named "a"');
  });

  it.each([
    [600, 600],
    ['600', 600],
    ['90s', 90],
    ['10m', 600],
    ['1h', 3600],
    ['1h30m', 5400],
  ])('reads timeout %p as %p seconds', async (timeout, seconds) => {
    const dir = checkout({ Dockerfile: 'x', '.drydock.yml': `timeout: ${JSON.stringify(timeout)}\n` });
    expect(await loadDrydockConfig(dir)).toMatchObject({ timeoutSeconds: seconds, supersede: true });
  });

  it.each(['0', '-5', '"10 minutes"', '"25h"', '90000', 'true'])('refuses timeout %s, naming the field', async (timeout) => {
    expect((await configError({ Dockerfile: 'x', '.drydock.yml': `timeout: ${timeout}\n` })).field).toBe('timeout');
  });

  it('reads supersede and refuses a non-boolean', async () => {
    expect((await loadDrydockConfig(checkout({ Dockerfile: 'x', '.drydock.yml': 'supersede: false\n' }))).supersede).toBe(false);
    expect((await configError({ Dockerfile: 'x', '.drydock.yml': 'supersede: sometimes\n' })).field).toBe('supersede');
  });

  it('refuses a config file over 1 MiB unparsed', async () => {
    const err = await configError({ Dockerfile: 'x', '.drydock.yml': `# ${'x'.repeat(1024 * 1024)}\n` });
    expect(err.message).toMatch(/^\.drydock\.yml: is \d+ bytes; the limit is 1048576/);
  });
});

describe('loadDrydockConfig rules: branches, paths, secrets', () => {
  const files = (image: string) => ({ Dockerfile: 'x', '.drydock.yml': `images:\n  - ${image}\n` });

  it('reads branches and paths as glob lists (one glob alone too), and secrets without repeats', async () => {
    const dir = checkout(files('branches: [main, "release/*"]\n    paths: services/api/**\n    secrets: [NPM_TOKEN, id_rsa.pub, NPM_TOKEN]'));
    expect((await loadDrydockConfig(dir)).images[0]).toMatchObject({ branches: ['main', 'release/*'], paths: ['services/api/**'], secrets: ['NPM_TOKEN', 'id_rsa.pub'] });
  });

  it.each([
    ['branches: []', 'images[0].branches', 'must list at least one glob; leave it out to build on every branch'],
    ['paths: [""]', 'images[0].paths[0]', 'must not be empty'],
    ['paths: { a: 1 }', 'images[0].paths', ''],
    ['secrets: [../other/TOKEN]', 'images[0].secrets[0]', 'must be a secret name'],
    ['secrets: [".."]', 'images[0].secrets[0]', 'must be a secret name'],
    ['secrets: TOKEN', 'images[0].secrets', ''],
    ['secret: [TOKEN]', 'images[0].secret', ''],
  ])('refuses %s, naming %s', async (image, field, problem) => {
    const err = await configError(files(image));
    expect(err.field).toBe(field);
    expect(err.message).toContain(`.drydock.yml: ${field}: ${problem}`);
  });

  it('refuses more than 100 globs', async () => {
    const globs = Array.from({ length: 101 }, (_, i) => `"d${i}/**"`).join(', ');
    expect((await configError(files(`paths: [${globs}]`))).field).toBe('images[0].paths');
  });
});
