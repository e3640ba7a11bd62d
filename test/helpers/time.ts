/**
 * Skipping time on the test server in steps: one `env.sleep` call is a single RPC with the
 * client's 10 s deadline, and skipping hours of busy workflows can take longer than that.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';

export async function skipTime(
  env: TestWorkflowEnvironment,
  totalMs: number,
  stepMs = 5 * 60_000,
): Promise<void> {
  for (let done = 0; done < totalMs; done += stepMs) {
    await env.sleep(Math.min(stepMs, totalMs - done));
  }
}
