import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildRequestFor, createMemoryBuildStore } from '@drydock/testing';
import type { KyselyBuildStore, KyselyLogArchive } from '@drydock/store';
import { pruneOldData } from './prune-old-data.js';

describe('pruneOldData', () => {
  let store: KyselyBuildStore;
  let archive: KyselyLogArchive;
  let close: () => Promise<void>;
  const day = 24 * 3600 * 1000;

  beforeAll(async () => {
    ({ store, archive, close } = await createMemoryBuildStore());
  });
  afterAll(() => close());

  it('deletes logs and deliveries past the retention and removes the mirrors of repositories not built since', async () => {
    const [old] = (await store.createBuilds([buildRequestFor('acme/old')], 'delivery-old')).builds;
    await archive.save(old.id, 'old\n');
    await store.update(old.id, { status: 'success' });
    const mirrorsAsked: Array<{ keep: readonly string[]; since: Date }> = [];
    const later = new Date(Date.now() + 91 * day); // 91 days on, with retention 90: `old` is past it
    const [recent] = (await store.createBuilds([buildRequestFor('acme/recent')])).builds;
    await store.update(recent.id, { status: 'running' }); // unfinished: its mirror is in use

    const report = await pruneOldData(90, {
      store,
      pruneMirrors: async (keep, since) => {
        mirrorsAsked.push({ keep, since });
        return ['/data/git/github.com/acme/old.git'];
      },
      now: () => later,
    });

    expect(report).toMatchObject({ logs: 1, deliveries: 1, mirrors: 1 });
    expect(await archive.read(old.id)).toBeUndefined();
    expect(await store.get(old.id)).toBeDefined();
    expect(mirrorsAsked).toHaveLength(1);
    expect(mirrorsAsked[0].since.getTime()).toBe(later.getTime() - 90 * day);
    expect(mirrorsAsked[0].keep).toEqual([recent.cloneUrl]);
  });
});
