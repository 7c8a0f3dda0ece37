import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BuildReporter } from '@drydock/github';
import { buildFixture } from '../build-fixture.js';

/** A report as GitHub received it. */
export interface ReceivedReport {
  sha: string;
  context: string;
  state: string;
  description: string;
}

export interface BuildReporterSubject {
  reporter: BuildReporter;
  /** What GitHub received so far, oldest first, once what was reported had its chance to be sent. */
  received(): Promise<ReceivedReport[]>;
  /** From now on the reporter cannot take an update (the database it stores them in is down). */
  refuse(): void;
  close(): Promise<void>;
}

const build = buildFixture;

/**
 * What every BuildReporter must do, run against the recording fake of the unit tier and, in the
 * integration tier, the outbox reporter whose outbox is delivered to a local GitHub stand-in.
 */
export function describeBuildReporterContract(name: string, open: () => Promise<BuildReporterSubject>): void {
  describe(`BuildReporter contract: ${name}`, () => {
    let subject: BuildReporterSubject;
    beforeAll(async () => {
      subject = await open();
    });
    afterAll(() => subject?.close());

    it('reports the aggregate and per-image contexts of the build\'s commit', async () => {
      await expect(subject.reporter.report(build(), { state: 'pending', description: 'Build running' })).resolves.toBeUndefined();
      await expect(subject.reporter.report(build(), { state: 'failure', description: 'test failed', image: 'api' })).resolves.toBeUndefined();
      expect(await subject.received()).toEqual([
        { sha: 'c'.repeat(40), context: 'drydock', state: 'pending', description: 'Build running' },
        { sha: 'c'.repeat(40), context: 'drydock/api', state: 'failure', description: 'test failed' },
      ]);
    });

    it('reports nothing for a build with no GitHub commit', async () => {
      const before = (await subject.received()).length;
      await expect(subject.reporter.report(build({ sha: null }), { state: 'pending', description: 'x' })).resolves.toBeUndefined();
      await expect(subject.reporter.report(build({ repo: 'https://git.example/x.git' }), { state: 'pending', description: 'x' })).resolves.toBeUndefined();
      expect(await subject.received()).toHaveLength(before);
    });

    it('never throws when it cannot take an update: it resolves with the problem, naming the state', async () => {
      subject.refuse();
      const problem = await subject.reporter.report(build(), { state: 'success', description: 'done' });
      expect(problem).toMatch(/^could not report "success" to GitHub: /);
    });
  });
}
