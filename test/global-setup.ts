/**
 * jest globalSetup: checks the provisioned servers exist and bundles the workflow code once per
 * run into .test-out/workflow-bundle.js (tests pass it as `workflowBundle: { codePath }`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { projectRoot, resolveTestServerBin } from '../src/local/paths';
import { workflowBundleFile } from './helpers/bundle';

const noop = (): void => undefined;
/** Bundler logger: warnings and errors only. */
const quietLogger = {
  trace: noop,
  debug: noop,
  info: noop,
  log: noop,
  warn: (message: string, meta?: Record<string, unknown>) => console.warn(`[bundle] ${message}`, meta ?? ''),
  error: (message: string, meta?: Record<string, unknown>) =>
    console.error(`[bundle] ${message}`, meta ?? ''),
};

function checkProvisioned(): void {
  try {
    resolveTestServerBin();
  } catch (err) {
    throw new Error(
      `The time-skipping test server is not provisioned (${err instanceof Error ? err.message : String(err)}). ` +
        'Run `npm test`, which provisions, or `node scripts/provision.mjs`, then jest again.',
    );
  }
}

async function bundleWorkflows(): Promise<void> {
  const bundleFile = workflowBundleFile();
  const workflowsIndex = path.join(projectRoot(), 'src', 'workflows', 'index.ts');
  if (!fs.existsSync(workflowsIndex)) {
    fs.rmSync(bundleFile, { force: true }); // never let tests run a stale bundle
    console.log(
      `\n[global-setup] ${path.relative(projectRoot(), workflowsIndex)} does not exist yet: no workflow bundle.`,
    );
    return;
  }
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve(workflowsIndex),
    logger: quietLogger,
  });
  fs.mkdirSync(path.dirname(bundleFile), { recursive: true });
  fs.writeFileSync(bundleFile, code);
}

export default async function globalSetup(): Promise<void> {
  checkProvisioned();
  await bundleWorkflows();
}
