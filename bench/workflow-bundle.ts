/**
 * Bundles the ksp workflows once per bench run, for the in-process workers and the worker child
 * processes (KSP_WORKFLOW_BUNDLE), so no measurement pays for webpack.
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

const noop = (): void => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, log: noop, warn: noop, error: console.error };

export async function writeWorkflowBundle(file: string): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../src/workflows'),
    logger: quietLogger,
  });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, code);
  return file;
}
