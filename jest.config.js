// Three projects: unit (no services), integration and e2e (the real local stack, started by
// the global setup). ESM-only dependencies (faker, hyparquet) are transformed to CommonJS by swc.
const esmDeps = ['@faker-js', '@middy', 'hyparquet', 'hyparquet-writer', 'hyparquet-compressors'];
const transform = {
  '^.+\\.(t|j)sx?$': [
    '@swc/jest',
    { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } },
  ],
};
const common = {
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns: [`/node_modules/(?!(${esmDeps.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  // runtime data (Postgres files owned by another user, Kafka logs) is not source
  modulePathIgnorePatterns: ['<rootDir>/.stack/', '<rootDir>/.esbuild/', '<rootDir>/.serverless/', '<rootDir>/dbt/'],
};
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/tests/unit/**/*.test.ts'] },
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
  ],
};
