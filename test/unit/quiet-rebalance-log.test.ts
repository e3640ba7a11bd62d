/** The rebalance queue's worker's expected "no workflows" warning goes out at DEBUG; nothing else changes. */
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import { NO_WORKFLOWS_WARNING, quietRebalanceWorker } from '../../src/workers/quiet-rebalance-log';

function recording(): { logger: Logger; lines: [string, string][] } {
  const lines: [string, string][] = [];
  const at =
    (level: LogLevel) =>
    (message: string): void => {
      lines.push([level, message]);
    };
  return {
    lines,
    logger: {
      log: (level: LogLevel, message: string) => at(level)(message),
      trace: at('TRACE'),
      debug: at('DEBUG'),
      info: at('INFO'),
      warn: at('WARN'),
      error: at('ERROR'),
    },
  };
}

test.each<[string, LogMetadata, string]>([
  ['the rebalance queue', { taskQueue: 'ksp-rebalance' }, 'DEBUG'],
  ['the task queue', { taskQueue: 'ksp' }, 'WARN'],
  ['no task queue', {}, 'WARN'],
])('"%s": no workflows registered on %s → %s', (_name, meta, level) => {
  // Prepare
  const { logger, lines } = recording();
  const quiet = quietRebalanceWorker(logger);
  // Act
  quiet.warn(NO_WORKFLOWS_WARNING, meta);
  quiet.log('WARN', NO_WORKFLOWS_WARNING, meta);
  // Assess
  expect(lines).toEqual([
    [level, NO_WORKFLOWS_WARNING],
    [level, NO_WORKFLOWS_WARNING],
  ]);
});

test('other warnings on the rebalance queue still warn', () => {
  // Prepare
  const { logger, lines } = recording();
  // Act
  quietRebalanceWorker(logger).warn('Activity failed', { taskQueue: 'ksp-rebalance' });
  // Assess
  expect(lines).toEqual([['WARN', 'Activity failed']]);
});
