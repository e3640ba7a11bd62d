/**
 * Quiet Temporal's worker and core logs in tests: warnings and errors still show.
 * The Runtime is a per-process singleton, so install it once per jest worker process.
 */
import { DefaultLogger, Runtime, makeTelemetryFilterString } from '@temporalio/worker';

try {
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
  });
} catch {
  // Already installed by an earlier test file in this process.
}
