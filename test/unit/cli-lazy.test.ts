/**
 * `ksp` loads a command's modules only when that command runs: the commands that talk to a
 * running stream (status, dlq, …) never load the worker SDK, whose native bridge takes about a
 * second to load. Here loading it fails, so any command that pulls it in fails the test.
 */
import { main } from '../../src/cli/main';

jest.mock('@temporalio/worker', () => {
  throw new Error('the worker SDK was loaded');
});

test.each(['status', 'pause', 'seek', 'dlq', 'quarantine', 'reshard', 'autoscale', 'start', 'produce'])(
  'ksp %s --help does not load the worker SDK',
  async (command) => {
    // Prepare
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      // Act
      const code = await main([command, '--help'], {});
      // Assess
      expect(code).toBe(0);
      expect(String(log.mock.calls[0]?.[0])).toContain(`ksp ${command}`);
    } finally {
      log.mockRestore();
    }
  },
);

test('ksp worker --help loads it (the check above can fail)', async () => {
  // Prepare
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    // Act
    const run = main(['worker', '--help'], {});
    // Assess
    await expect(run).rejects.toThrow('the worker SDK was loaded');
  } finally {
    log.mockRestore();
  }
});
