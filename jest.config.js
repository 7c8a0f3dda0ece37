// Jest runs in native ESM mode (NestJS 12 ships ESM only): see package.json scripts.
// The global setup starts the real services every suite uses (Redis, Docker engine,
// registry, PostgreSQL) on the test's own ports; see test/global-setup.ts.
const moduleNameMapper = {
  '^@drydock/(.*)$': '<rootDir>/libs/$1/src/index.ts',
  '^(\\.{1,2}/.*)\\.js$': '$1',
};
const transform = { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.json' }] };
const common = { rootDir: '.', extensionsToTreatAsEsm: ['.ts'], moduleNameMapper, transform, testEnvironment: 'node' };

export default {
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 240000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'] },
  ],
};
