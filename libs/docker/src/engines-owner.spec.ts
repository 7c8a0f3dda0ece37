import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { claimEnginesDir } from './engines-owner.js';

describe('claimEnginesDir', () => {
  let dir: string;
  const ownerFile = () => path.join(dir, 'owner.pid');

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'drydock-owner-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('records this process as the owner, refuses a second claim while it holds it, and gives it up on release', async () => {
    const release = await claimEnginesDir(dir);
    expect((await readFile(ownerFile(), 'utf8')).split(' ')[0]).toBe(String(process.pid));

    await expect(claimEnginesDir(dir)).rejects.toMatchObject({ code: 'infrastructure', message: expect.stringContaining(`another live process (pid ${process.pid})`) });

    await release();
    expect(existsSync(ownerFile())).toBe(false);
    await (await claimEnginesDir(dir))();
  });

  it('takes over the directory of an owner that is gone, or whose pid a later process got', async () => {
    await writeFile(ownerFile(), '2147483646 1\n'); // no such process
    await expect(claimEnginesDir(dir)).resolves.toEqual(expect.any(Function));
    await writeFile(ownerFile(), `${process.pid} 1\n`); // this pid, but started at another time: not that owner
    const release = await claimEnginesDir(dir);
    await release();
  });

  it('leaves an owner file that is not its own on release', async () => {
    const release = await claimEnginesDir(dir);
    await writeFile(ownerFile(), '2147483646 1\n');
    await release();
    expect(await readFile(ownerFile(), 'utf8')).toBe('2147483646 1\n');
  });
});
