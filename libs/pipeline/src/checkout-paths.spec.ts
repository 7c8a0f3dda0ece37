import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '@drydock/core';
import { loadDrydockConfig } from './drydock-config.js';

/** A checkout with files (text) and symlinks (`{ link: target }`). */
function checkout(files: Record<string, string>, links: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'drydock-paths-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  for (const [name, target] of Object.entries(links)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    symlinkSync(target, path.join(dir, name));
  }
  return dir;
}

async function refusal(dir: string): Promise<ConfigError> {
  const err = await loadDrydockConfig(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (err instanceof ConfigError) return err;
  throw new Error(`expected a ConfigError, got ${String(err)}`);
}

describe('loadDrydockConfig keeps paths inside the checkout', () => {
  it('refuses a context that is a symlink out of the checkout', async () => {
    const outside = checkout({ Dockerfile: 'FROM busybox', secret: 'host data' });
    const err = await refusal(checkout({ '.drydock.yml': 'images:\n  - context: ctx\n' }, { ctx: outside }));
    expect(err.field).toBe('images[0].context');
    expect(err.message).toContain('"ctx" leads out of the repository');
  });

  it('refuses a Dockerfile that is a symlink out of the checkout', async () => {
    const err = await refusal(checkout({ '.drydock.yml': 'images:\n  - dockerfile: Dockerfile\n' }, { Dockerfile: '/etc/hostname' }));
    expect(err.field).toBe('images[0].dockerfile');
  });

  it('refuses any symlink in a build context that leads out, naming its path', async () => {
    const absolute = await refusal(checkout({ Dockerfile: 'x', 'app/main.c': '' }, { 'app/deep/etc': '/etc' }));
    expect(absolute.message).toBe('.drydock.yml: images[0].context: symlink "app/deep/etc" leads out of the repository (to "/etc"); refused');
    const climbing = await refusal(checkout({ Dockerfile: 'x' }, { 'up': '../../..' }));
    expect(climbing.message).toContain('symlink "up" leads out');
  });

  it('refuses a symlink that stays inside lexically but chains out through another', async () => {
    const dir = checkout({ 'svc/Dockerfile': 'x', '.drydock.yml': 'images:\n  - context: svc\n' }, { 'svc/a': '../b', b: '/etc' });
    expect((await refusal(dir)).message).toContain('symlink "svc/a" leads out');
  });

  it('accepts symlinks that stay inside, and a dangling one inside', async () => {
    const dir = checkout({ 'real/Dockerfile': 'FROM busybox', 'real/data.txt': '' }, { ctx: 'real', 'real/alias.txt': 'data.txt', 'real/later': 'not-yet' });
    writeFileSync(path.join(dir, '.drydock.yml'), 'images:\n  - context: ctx\n');
    const [image] = (await loadDrydockConfig(dir)).images;
    expect(image).toMatchObject({ contextDir: path.join(dir, 'real'), dockerfile: 'real/Dockerfile' });
  });

  it('refuses .drydock.yml as a symlink, even to a file inside', async () => {
    const inside = await refusal(checkout({ Dockerfile: 'x', 'conf.yml': 'images: [{}]\n' }, { '.drydock.yml': 'conf.yml' }));
    expect(inside.message).toBe('.drydock.yml: must be a regular file in the repository, not a symlink');
  });

  it('refuses .drydock.yml linked to /dev/zero or a FIFO at once, reading nothing', async () => {
    const fifo = path.join(mkdtempSync(path.join(tmpdir(), 'drydock-fifo-')), 'fifo');
    execFileSync('mkfifo', [fifo]);
    for (const target of ['/dev/zero', fifo]) {
      const err = await refusal(checkout({ Dockerfile: 'x' }, { '.drydock.yml': target }));
      expect(err.message).toBe('.drydock.yml: must be a regular file in the repository, not a symlink');
    }
  });

  it('refuses .drydock.yml that is itself a FIFO or a directory', async () => {
    const dir = checkout({ Dockerfile: 'x' });
    execFileSync('mkfifo', [path.join(dir, '.drydock.yml')]);
    expect((await refusal(dir)).message).toBe('.drydock.yml: must be a regular file in the repository, not a FIFO');
    const withDir = checkout({ Dockerfile: 'x', '.drydock.yml/x': '' });
    expect((await refusal(withDir)).message).toBe('.drydock.yml: must be a regular file in the repository, not a directory');
  });

  it('refuses a docker-compose.test.yml that is a symlink', async () => {
    const err = await refusal(checkout({ Dockerfile: 'x' }, { 'docker-compose.test.yml': '/etc/hostname' }));
    expect(err.message).toMatch(/^docker-compose\.test\.yml: must be a regular file/);
  });
});
