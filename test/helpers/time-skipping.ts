/**
 * The time-skipping test environment on the provisioned native test server, with the project's
 * search attributes registered.
 */
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTES } from '../../src/constants';
import { resolveTestServerBin } from '../../src/local/paths';
import type { CliSearchAttributeType } from '../../src/local/temporal-dev-server';

const SDK_TYPE_NAMES = {
  Text: 'TEXT',
  Keyword: 'KEYWORD',
  Int: 'INT',
  Double: 'DOUBLE',
  Bool: 'BOOL',
  Datetime: 'DATETIME',
  KeywordList: 'KEYWORD_LIST',
} as const;

/**
 * Starts `.tools/bin/temporal-test-server` (or KSP_TEMPORAL_TEST_SERVER_BIN) through
 * `TestWorkflowEnvironment.createTimeSkipping` and registers `searchAttributes` with the
 * OperatorService (the test server only pre-registers the generic Custom*Field ones).
 * Call `env.teardown()` in afterAll: it SIGKILLs the server.
 */
export async function createTimeSkippingEnv(
  searchAttributes: Record<string, CliSearchAttributeType> = SEARCH_ATTRIBUTES,
): Promise<TestWorkflowEnvironment> {
  const encoded = Object.fromEntries(
    Object.entries(searchAttributes).map(([name, type]) => {
      const indexedType = encodeSearchAttributeIndexedValueType(SDK_TYPE_NAMES[type]);
      if (indexedType === undefined) throw new Error(`unknown search attribute type ${type} for ${name}`);
      return [name, indexedType];
    }),
  );
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: resolveTestServerBin() } },
  });
  try {
    await env.connection.operatorService.addSearchAttributes({
      namespace: env.namespace ?? 'default',
      searchAttributes: encoded,
    });
  } catch (err) {
    await env.teardown();
    throw new Error(
      `The time-skipping test server refused the search attributes ${Object.keys(searchAttributes).join(', ')}: ${
        err instanceof Error ? err.message : String(err)
      }`,
    );
  }
  return env;
}

/**
 * A plain client on the test server, for activities that need one (the shard starter): the
 * time-skipping `env.client` toggles time skipping in `result()`, which, called from inside an
 * activity, stalls the test's own `env.sleep`.
 */
export function plainClient(env: TestWorkflowEnvironment): Client {
  return new Client({ connection: env.connection, namespace: env.namespace ?? 'default' });
}
