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
  // Two files at a time: integration files spend much of their time waiting (heartbeat timeouts,
  // drains, the chaos scenarios' load), so on 2 cores the suite took 627 s of jest with two against
  // 880 s one at a time (clean clones, 2026-12-02), every test green in both. Each file starts its
  // own servers on ports it picks and writes under its own .test-out/<name> directory.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  testTimeout: 120_000,
};
