/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // Type checking is `tsc --noEmit` in `npm run lint`; jest only transpiles.
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  globalSetup: '<rootDir>/test/global-setup.ts',
  setupFiles: ['<rootDir>/test/setup-runtime.ts'],
  // Workflow tests share one time-skipping server per file and integration tests start whole
  // stacks; on 2 cores running files one at a time is faster and deterministic.
  maxWorkers: 1,
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  testTimeout: 120_000,
};
