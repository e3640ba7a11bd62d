/**
 * The Runtime's logger, less one expected warning: every ksp worker process runs a second,
 * activities-only Temporal worker on the rebalance queue (src/rebalance-queue.ts), and the SDK
 * warns at its start that it registered no workflows. That is by design there, so it goes out at
 * DEBUG; the same warning for any other task queue still warns.
 */
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import { REBALANCE_QUEUE_SUFFIX } from '../rebalance-queue';

export const NO_WORKFLOWS_WARNING = 'No workflows registered, not polling for workflow tasks';

function expected(message: string, meta: LogMetadata | undefined): boolean {
  const taskQueue: unknown = meta?.taskQueue;
  return (
    message === NO_WORKFLOWS_WARNING &&
    typeof taskQueue === 'string' &&
    taskQueue.endsWith(REBALANCE_QUEUE_SUFFIX)
  );
}

export function quietRebalanceWorker(logger: Logger): Logger {
  return {
    log(level: LogLevel, message: string, meta?: LogMetadata): void {
      logger.log(level === 'WARN' && expected(message, meta) ? 'DEBUG' : level, message, meta);
    },
    trace(message: string, meta?: LogMetadata): void {
      logger.trace(message, meta);
    },
    debug(message: string, meta?: LogMetadata): void {
      logger.debug(message, meta);
    },
    info(message: string, meta?: LogMetadata): void {
      logger.info(message, meta);
    },
    warn(message: string, meta?: LogMetadata): void {
      if (expected(message, meta)) logger.debug(message, meta);
      else logger.warn(message, meta);
    },
    error(message: string, meta?: LogMetadata): void {
      logger.error(message, meta);
    },
  };
}
