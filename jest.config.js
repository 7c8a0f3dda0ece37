// Jest runs in native ESM mode (NestJS 12 ships ESM only): see package.json scripts.
// Three tiers:
//   unit         `*.spec.ts` beside the code: no services, no root, seconds (fakes from libs/testing)
//   integration  `*.int-spec.ts` beside an adapter: that adapter against its real service
//   e2e          `test/e2e/*.e2e-spec.ts`: the built apps against real services
//   fault        `test/fault/*.fault-spec.ts`: the built apps, several processes at once, while
//                processes are killed and services fail (harness: test/fault/harness.ts)
// Integration, e2e and fault share a global setup that starts Redis, a Docker engine, a registry
// and PostgreSQL on the tests' own ports (test/global-setup.ts); the unit tier starts nothing.
// e2e and fault run the compiled apps: `npm run build` first.
const moduleNameMapper = {
  '^@drydock/(.*)$': '<rootDir>/libs/$1/src/index.ts',
  '^(\\.{1,2}/.*)\\.js$': '$1',
};
const transform = { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.json' }] };
const common = { rootDir: '.', extensionsToTreatAsEsm: ['.ts'], moduleNameMapper, transform, testEnvironment: 'node' };
const services = { globalSetup: '<rootDir>/test/global-setup.ts', globalTeardown: '<rootDir>/test/global-teardown.ts' };

export default {
  testTimeout: 240000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    { ...common, ...services, displayName: 'integration', testMatch: ['<rootDir>/{apps,libs}/**/*.int-spec.ts'] },
    { ...common, ...services, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'] },
    { ...common, ...services, displayName: 'browser', testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'] },
    { ...common, ...services, displayName: 'fault', testMatch: ['<rootDir>/test/fault/**/*.fault-spec.ts'] },
  ],
};
