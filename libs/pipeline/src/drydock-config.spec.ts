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

function configError(files: Record<string, string>): ConfigError {
  try {
    loadDrydockConfig(checkout(files));
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadDrydockConfig', () => {
  it('builds ./Dockerfile with no tests when there is no config', () => {
    const dir = checkout({ Dockerfile: 'FROM busybox' });
    expect(loadDrydockConfig(dir)).toEqual({
      images: [{ name: null, contextDir: dir, dockerfile: 'Dockerfile', target: undefined, buildArgs: {}, testCommands: [] }],
      composeTestFile: null,
    });
  });

  it('uses the compose sut when there are no test commands', () => {
    const dir = checkout({ Dockerfile: 'FROM busybox', 'docker-compose.test.yml': 'services: {}' });
    expect(loadDrydockConfig(dir).composeTestFile).toBe('docker-compose.test.yml');
  });

  it('reads images, build args and tests, with the dockerfile relative to the context', () => {
    const dir = checkout({
      'svc/Dockerfile.prod': 'FROM busybox',
      '.drydock.yml': 'images:\n  - name: api\n    context: svc\n    dockerfile: Dockerfile.prod\n    target: run\n    build_args: { VERSION: 3, DEBUG: false }\n    test: echo ok\n',
    });
    const [image] = loadDrydockConfig(dir).images;
    expect(image).toMatchObject({ name: 'api', dockerfile: 'svc/Dockerfile.prod', target: 'run', buildArgs: { VERSION: '3', DEBUG: 'false' }, testCommands: ['echo ok'] });
  });

  it('names the field of a wrong type', () => {
    const err = configError({ Dockerfile: 'FROM busybox', '.drydock.yml': 'images:\n  - test: { run: 1 }\n' });
    expect(err.field).toBe('images[0].test');
    expect(err.message).toContain('.drydock.yml: images[0].test');
  });

  it('names an unknown field', () => {
    expect(configError({ Dockerfile: 'x', '.drydock.yml': 'images:\n  - dockerfle: Dockerfile\n' }).field).toBe('images[0].dockerfle');
  });

  it('rejects a missing dockerfile and paths outside the repository', () => {
    expect(configError({ '.drydock.yml': 'images:\n  - dockerfile: Nope\n' }).field).toBe('images[0].dockerfile');
    expect(configError({ Dockerfile: 'x', '.drydock.yml': 'images:\n  - context: ../..\n' }).field).toBe('images[0].context');
  });

  it('reports invalid YAML with its line', () => {
    expect(configError({ Dockerfile: 'x', '.drydock.yml': 'images:\n  - name: [unclosed\n' }).message).toMatch(/invalid YAML at line \d+/);
  });
});
