/**
 * The time-skipping test environment on the provisioned native test server, with the project's
 * search attributes registered, and `useTimeSkipping()`: the one setup every workflow test file
 * shares (environment, clients, the pre-built bundle, a worker factory).
 */
import { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { SEARCH_ATTRIBUTES } from '../../src/constants';
import { resolveTestServerBin } from '../../src/local/paths';
import type { CliSearchAttributeType } from '../../src/local/temporal-dev-server';
import { workflowBundlePath } from './bundle';

const { IndexedValueType } = temporal.api.enums.v1;

const INDEXED_TYPES: Record<CliSearchAttributeType, temporal.api.enums.v1.IndexedValueType> = {
  Text: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  Double: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  Bool: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  Datetime: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KeywordList: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

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
      const indexedType = INDEXED_TYPES[type];
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

/** What `useTimeSkipping()` hands a test file; every member is usable from its hooks and tests on. */
export interface TimeSkipping {
  /** The environment itself (`env.client`, `env.sleep`, `env.currentTimeMs`, …). */
  readonly env: TestWorkflowEnvironment;
  /** A client that does not skip time in `result()`: see {@link plainClient}. */
  readonly plainClient: Client;
  /** The workflow bundle test/global-setup.ts built once for the jest run. */
  readonly bundlePath: string;
  /** A worker on the test server running the bundled workflows and `options.activities`. */
  worker(options: Omit<WorkerOptions, 'connection' | 'workflowBundle' | 'workflowsPath'>): Promise<Worker>;
}

/**
 * A stand-in for a value that exists only once `beforeAll` has run: every property read is
 * forwarded to `resolve()` (methods bound to the real object), so the stand-in can be taken at
 * module load and passed wherever the real type is expected.
 */
function forwardTo<T extends object>(resolve: () => T): T {
  return new Proxy({} as T, {
    get(_target, property) {
      const real = resolve();
      const value: unknown = Reflect.get(real, property, real);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(real) : value;
    },
  });
}

/**
 * One time-skipping server for the calling test file: started in `beforeAll`, torn down in
 * `afterAll`. Call it at the top level of the file: `const { env } = useTimeSkipping();`.
 * `env` and `plainClient` forward to the real objects once `beforeAll` has run.
 */
export function useTimeSkipping(
  searchAttributes: Record<string, CliSearchAttributeType> = SEARCH_ATTRIBUTES,
): TimeSkipping {
  let started: { env: TestWorkflowEnvironment; client: Client } | undefined;
  const current = (): { env: TestWorkflowEnvironment; client: Client } => {
    if (!started) throw new Error('useTimeSkipping(): the environment is used before its beforeAll ran');
    return started;
  };
  beforeAll(async () => {
    const env = await createTimeSkippingEnv(searchAttributes);
    started = { env, client: plainClient(env) };
  });
  afterAll(async () => {
    await started?.env.teardown();
    started = undefined;
  });
  return {
    env: forwardTo(() => current().env),
    plainClient: forwardTo(() => current().client),
    get bundlePath(): string {
      return workflowBundlePath();
    },
    worker: (options) =>
      Worker.create({
        ...options,
        connection: current().env.nativeConnection,
        workflowBundle: { codePath: workflowBundlePath() },
      }),
  };
}
