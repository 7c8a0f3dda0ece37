import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DrydockError } from '@drydock/core';
import { MAX_SECRET_BYTES, resolveSecrets } from './build-secrets.js';

describe('resolveSecrets', () => {
  let base: string;
  let dir: string;
  beforeEach(async () => {
    base = await realpath(await mkdtemp(path.join(tmpdir(), 'drydock-secrets-')));
    dir = path.join(base, 'secrets');
    await mkdir(path.join(dir, 'acme', 'widget'), { recursive: true });
    await mkdir(path.join(dir, 'acme', 'other'), { recursive: true });
    await writeFile(path.join(dir, 'acme', 'widget', 'NPM_TOKEN'), 'npm-value-1234\n');
    await writeFile(path.join(dir, 'acme', 'other', 'DEPLOY_KEY'), 'other-repos-key');
    await writeFile(path.join(base, 'outside'), 'not a secret of any repository');
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  async function refusal(names: string[], repo = 'acme/widget', secretsDir: string | null = dir): Promise<DrydockError> {
    const err = await resolveSecrets(secretsDir ?? undefined, repo, names).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (err instanceof DrydockError) return err;
    throw new Error(`expected a DrydockError, got ${String(err)}`);
  }

  it("resolves each name to the file in the repository's directory, with its value", async () => {
    const secrets = await resolveSecrets(dir, 'acme/widget', ['NPM_TOKEN']);
    expect([...secrets.values()]).toEqual([{ id: 'NPM_TOKEN', src: path.join(dir, 'acme', 'widget', 'NPM_TOKEN'), value: 'npm-value-1234\n' }]);
    expect((await resolveSecrets(undefined, 'acme/widget', [])).size).toBe(0);
  });

  it('fails naming the secret when it is missing, or when no secrets directory is set up', async () => {
    const missing = await refusal(['NPM_TOKEN', 'GONE']);
    expect(missing.code).toBe('config_invalid');
    expect(missing.message).toBe('build secret "GONE" of acme/widget is not available: there is no DRYDOCK_SECRETS_DIR/acme/widget/GONE');
    expect((await refusal(['NPM_TOKEN'], 'acme/widget', null)).message).toContain('DRYDOCK_SECRETS_DIR is not set');
    expect((await refusal(['NPM_TOKEN'], 'acme/nothing')).message).toContain('there is no DRYDOCK_SECRETS_DIR/acme/nothing/NPM_TOKEN');
  });

  it("refuses a symlink to another repository's secret or out of the secrets directory, never reading it", async () => {
    await symlink(path.join(dir, 'acme', 'other', 'DEPLOY_KEY'), path.join(dir, 'acme', 'widget', 'STOLEN'));
    await symlink(path.join(base, 'outside'), path.join(dir, 'acme', 'widget', 'ESCAPE'));
    for (const name of ['STOLEN', 'ESCAPE']) {
      const err = await refusal([name]);
      expect(err.message).toBe(`build secret "${name}" of acme/widget is not available: DRYDOCK_SECRETS_DIR/acme/widget/${name} leads outside the repository's secrets directory: refused`);
      expect(err.message).not.toContain(base);
    }
  });

  it('accepts a symlink that stays inside the repository directory', async () => {
    await symlink('NPM_TOKEN', path.join(dir, 'acme', 'widget', 'ALIAS'));
    expect((await resolveSecrets(dir, 'acme/widget', ['ALIAS'])).get('ALIAS')?.value).toBe('npm-value-1234\n');
  });

  it("refuses a repository directory that is a symlink out of the secrets directory, names that climb out, and a repo that is no owner/name", async () => {
    await mkdir(path.join(base, 'elsewhere'));
    await writeFile(path.join(base, 'elsewhere', 'TOKEN'), 'x');
    await symlink(path.join(base, 'elsewhere'), path.join(dir, 'acme', 'linked'));
    expect((await refusal(['TOKEN'], 'acme/linked')).message).toContain('leads outside DRYDOCK_SECRETS_DIR: refused');
    expect((await refusal(['..'])).message).toContain('it is not a secret name');
    expect((await refusal(['../other/DEPLOY_KEY'])).message).toContain('it is not a secret name');
    expect((await refusal(['TOKEN'], '../acme')).code).toBe('config_invalid');
  });

  it('refuses a directory, and a file larger than BuildKit takes', async () => {
    await mkdir(path.join(dir, 'acme', 'widget', 'DIR'));
    await writeFile(path.join(dir, 'acme', 'widget', 'BIG'), 'x'.repeat(MAX_SECRET_BYTES + 1));
    expect((await refusal(['DIR'])).message).toContain('DIR');
    expect((await refusal(['BIG'])).message).toContain(`larger than ${MAX_SECRET_BYTES} bytes`);
  });
});
