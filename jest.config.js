// Five projects: unit (no services), deploy (`sls deploy` to an AWS emulator, tests/deploy),
// integration, e2e and faults (the real local stack, started by the global setup). ESM-only dependencies (faker, hyparquet) are transformed to CommonJS by swc.
const esmDeps = ['@faker-js', '@middy', 'hyparquet', 'hyparquet-writer', 'hyparquet-compressors'];
const transform = {
  '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
};
const common = {
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns: [`/node_modules/(?!(${esmDeps.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  // runtime data (Postgres files owned by another user, Kafka logs) is not source
  modulePathIgnorePatterns: ['<rootDir>/.stack/', '<rootDir>/.esbuild', '<rootDir>/.serverless/', '<rootDir>/dbt/'],
};
// The fault tests kill Kafka and Connect: they run only when asked for by name
// (`npm run test:faults` = `jest --selectProjects faults`), never as part of a plain `npm test`.
const faultsSelected = process.argv.some((a) => /(^|=)faults$/.test(a));
module.exports = {
  // The stack the global setup starts is detached and outlives the run on purpose; a handle a
  // failed test leaves behind must not keep jest (and CI) waiting after the last test (seen in CI).
  forceExit: true,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/tests/unit/**/*.test.ts'] },
    { ...common, displayName: 'deploy', testMatch: ['<rootDir>/tests/deploy/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/tests/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/tests/support/global-setup.ts',
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/tests/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/tests/support/global-setup.ts',
    },
    ...(faultsSelected
      ? [
          {
            ...common,
            displayName: 'faults',
            testMatch: ['<rootDir>/tests/faults/**/*.test.ts'],
            globalSetup: '<rootDir>/tests/support/global-setup.ts',
          },
        ]
      : []),
  ],
};
