import { describeBuildReporterContract } from '../contracts/build-reporter.contract.js';
import { RecordingReporter } from './recording-reporter.js';

describeBuildReporterContract('RecordingReporter', async () => {
  const reporter = new RecordingReporter();
  return {
    reporter,
    received: async () => reporter.reports.map(({ sha, context, state, description }) => ({ sha: sha ?? '', context, state, description })),
    refuse: () => {
      reporter.refuseWith = 'HTTP 503';
    },
    close: async () => undefined,
  };
});
