/**
 * Where test/global-setup.ts writes the workflow bundle, built once per jest run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { testOutDir } from '../../src/local/paths';

/** Path of the bundle file global-setup writes; no existence check (global-setup uses it too). */
export function workflowBundleFile(): string {
  return path.join(testOutDir(), 'workflow-bundle.js');
}

/**
 * The pre-built workflow bundle, for `Worker.create({ workflowBundle: { codePath } })`.
 * Throws when jest's globalSetup did not write it (src/workflows/index.ts missing, or jest run
 * with a config that skips test/global-setup.ts).
 */
export function workflowBundlePath(): string {
  const file = workflowBundleFile();
  if (!fs.existsSync(file)) {
    throw new Error(
      `${file} is missing: test/global-setup.ts bundles src/workflows/index.ts once per jest run. ` +
        'Run the tests through jest with jest.config.js (`npm test` or `npx jest`), and check that src/workflows/index.ts exists.',
    );
  }
  return file;
}
