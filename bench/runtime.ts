/**
 * The Temporal runtime of an in-process bench worker: errors only in the log. Installing it twice
 * throws (a second bench run in the same process), and the one installed first stays.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';

export function installQuietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // installed already (a second run in this process)
  }
}
