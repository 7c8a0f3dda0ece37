import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CheckRunIds } from '@drydock/github';

/** What every CheckRunIds must do: the in-memory one of the unit tier, the databases of the integration tier. */
export function describeCheckRunIdsContract(name: string, open: () => Promise<{ ids: CheckRunIds; close(): Promise<void> }>): void {
  describe(`CheckRunIds contract: ${name}`, () => {
    let subject: { ids: CheckRunIds; close(): Promise<void> };
    beforeAll(async () => {
      subject = await open();
    });
    afterAll(() => subject?.close());

    it('answers the id saved for a build and context, none for another, and the newer after a second save', async () => {
      const { ids } = subject;
      const build = randomInt(1, 2 ** 31 - 1);
      expect(await ids.idOf(build, 'drydock')).toBeUndefined();
      await ids.save(build, 'drydock', 9_000_000_001);
      await ids.save(build, 'drydock/api', 12);
      expect(await ids.idOf(build, 'drydock')).toBe(9_000_000_001);
      expect(await ids.idOf(build, 'drydock/api')).toBe(12);
      expect(await ids.idOf(build + 1, 'drydock')).toBeUndefined();
      await ids.save(build, 'drydock', 13);
      expect(await ids.idOf(build, 'drydock')).toBe(13);
    });
  });
}
