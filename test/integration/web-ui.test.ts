/**
 * The monitoring view, tested rather than assumed: on the local stack (kinesis-local, whose
 * MillisBehindLatest is real) a two-shard stream where one shard is made to lag, then
 * - the real `temporal` binary under .tools lists exactly that shard for
 *   `KspStream="…" AND KspMillisBehind > 2000`, and the caught-up one for `KspMillisBehind = 0`;
 * - the Web UI's own HTTP API (the ui-server beside the UI, what the browser calls) answers the
 *   same list query, shows the start's summary and details, the shard's current details (the
 *   `__temporal_workflow_metadata` query the UI runs) and the batch activity's summary.
 * The lag: the slow shard holds 5 records, then 5 more written 3 s later; the fast shard 3. From
 * TRIM_HORIZON in batches of 5, the fast shard reads its 3 and is at the tip; the slow shard's
 * first batch is 3 s behind its newest record, and its handler then blocks on the second, so its
 * last reported lag stays above 2 s.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NativeConnection } from '@temporalio/worker';
import { startStream } from '../../src/client/stream-control';
import { shardWorkflowId } from '../../src/constants';
import type { BatchHandler } from '../../src/handler/contract';
import { resolveTemporalBin } from '../../src/local/paths';
import { createKspWorker } from '../../src/workers/worker';
import type { KspWorker } from '../../src/workers/ksp-worker';
import { checkSearchAttributes } from '../../src/workers/search-attribute-check';
import { workflowBundlePath } from '../helpers/bundle';
import { useIntegrationStack } from '../helpers/integration-stack';
import { fastPollOptions } from '../helpers/pipeline';
import { waitFor } from '../helpers/wait';

const run = promisify(execFile);
const suite = useIntegrationStack('web-ui', 'kinesis-local', { ui: true });

const FAST = 'shardId-000000000000';
const SLOW = 'shardId-000000000001';
/** Hash keys inside each shard's range of a two-shard stream. */
const HASH_KEY: Record<string, string> = { [FAST]: '1', [SLOW]: (2n ** 127n + 1n).toString() };
const LAG_THRESHOLD_MS = 2_000;
const HANDLER_NAME = 'web-ui test handler (blocks shard 1 after one batch)';

/** Records on one shard, by explicit hash key. */
async function putOn(shardId: string, streamName: string, count: number): Promise<void> {
  const entries = Array.from({ length: count }, (_, i) => ({
    Data: Buffer.from(JSON.stringify({ n: i })),
    PartitionKey: `k${i}`,
    ExplicitHashKey: HASH_KEY[shardId],
  }));
  const out = await suite.kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: entries }));
  expect(out.FailedRecordCount ?? 0).toBe(0);
  expect(new Set(out.Records?.map((r) => r.ShardId))).toEqual(new Set([shardId]));
}

interface ListedRow {
  execution: { workflowId: string };
  searchAttributes?: { indexedFields?: Record<string, JsonPayload> };
}

/** `temporal workflow list --query … --output json` with the provisioned binary. */
async function cliListRows(query: string): Promise<ListedRow[]> {
  const { stdout } = await run(resolveTemporalBin(), [
    'workflow',
    'list',
    '--address',
    suite.stack.temporalAddress ?? '',
    '--namespace',
    'default',
    '--query',
    query,
    '--output',
    'json',
  ]);
  return JSON.parse(stdout) as ListedRow[];
}

/** The workflow IDs the query lists, sorted. */
async function cliList(query: string): Promise<string[]> {
  return (await cliListRows(query)).map((r) => r.execution.workflowId).sort();
}

/** Each listed workflow's KspMillisBehind, for failure messages. */
async function lagAttributes(query: string): Promise<string> {
  const rows = await cliListRows(query);
  return JSON.stringify(
    rows.map((r) => [r.execution.workflowId, decode(r.searchAttributes?.indexedFields?.KspMillisBehind)]),
  );
}

/** GET on the Web UI's HTTP API (the ui-server proxies it to the frontend). */
async function uiGet<T>(path: string): Promise<T> {
  const response = await fetch(`${suite.stack.uiUrl ?? ''}${path}`);
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** POST as the browser does it: the ui-server wants its CSRF cookie echoed in a header. */
async function uiPost<T>(path: string, body: unknown): Promise<T> {
  const settings = await fetch(`${suite.stack.uiUrl ?? ''}/api/v1/settings`);
  const csrf = /_csrf=([^;]+)/.exec(settings.headers.get('set-cookie') ?? '')?.[1] ?? '';
  const response = await fetch(`${suite.stack.uiUrl ?? ''}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf, cookie: `_csrf=${csrf}` },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}
/** A json/plain payload as the HTTP API renders it (base64 data). */
const decode = (payload: JsonPayload | undefined): unknown =>
  payload?.data === undefined ? undefined : JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8'));

let worker: KspWorker | undefined;
let running: Promise<void> | undefined;
let connection: NativeConnection | undefined;
const release: (() => void)[] = [];

// afterEach, not afterAll: the worker stops before the stack it polls (the stack stops in afterAll).
afterEach(async () => {
  for (const r of release) r();
  worker?.shutdown();
  await running?.catch(() => undefined);
  await connection?.close();
});

test('a lagging shard is found by KspMillisBehind with the temporal CLI and the Web UI HTTP API, which shows the summaries and details', async () => {
  const target = await suite.setup(2);
  connection = await NativeConnection.connect({ address: suite.stack.temporalAddress ?? '' });
  // What a worker checks at startup: every attribute ksp sets is registered on the dev stack.
  await checkSearchAttributes(connection.operatorService, 'default', (m) => {
    throw new Error(m);
  });

  // kinesis-local measures MillisBehindLatest from the shard's newest record: the slow shard's
  // second half arrives 3 s after its first, so a batch of the first half is 3 s behind.
  await putOn(SLOW, target.streamName, 5);
  await new Promise((r) => setTimeout(r, 3_000));
  await putOn(FAST, target.streamName, 3);
  await putOn(SLOW, target.streamName, 5);

  let slowCalls = 0;
  const handler: BatchHandler = async (_records, context) => {
    if (context.shardId !== SLOW || ++slowCalls === 1) return;
    await new Promise<void>((resolve) => {
      release.push(resolve);
      context.signal.addEventListener('abort', () => resolve());
    });
  };
  worker = await createKspWorker({
    connection,
    namespace: 'default',
    taskQueue: target.taskQueue,
    kinesis: suite.kinesis,
    sqs: suite.sqs,
    handler,
    handlerName: HANDLER_NAME,
    workflowBundlePath: workflowBundlePath(),
    shutdownGraceTimeMs: 1_000,
  });
  running = worker.run();
  const options = fastPollOptions(target, { batchSize: 5, maxPollWait: '1s' });
  await startStream(suite.temporal, target.taskQueue, { options });

  const stream = `KspStream="${target.streamName}"`;
  const lagging = `${stream} AND KspMillisBehind > ${LAG_THRESHOLD_MS}`;
  const slowId = shardWorkflowId(target.streamName, SLOW);
  const fastId = shardWorkflowId(target.streamName, FAST);
  // The temporal CLI: exactly the lagging shard, and the caught-up one at 0.
  const listsExactly = (query: string, ids: string[]) => async () => {
    const found = await cliList(query);
    if (JSON.stringify(found) !== JSON.stringify(ids)) {
      throw new Error(`listed ${JSON.stringify(found)}; lag attributes: ${await lagAttributes(stream)}`);
    }
    return true;
  };
  await waitFor(listsExactly(lagging, [slowId]), {
    timeoutMs: 30_000,
    intervalMs: 500,
    what: `temporal workflow list --query '${lagging}' to list only ${slowId}`,
  });
  await waitFor(listsExactly(`${stream} AND KspMillisBehind = 0`, [fastId]), {
    timeoutMs: 15_000,
    intervalMs: 500,
    what: `${fastId} listed with KspMillisBehind = 0`,
  });
  expect(await cliList(lagging)).toEqual([slowId]);

  // The Web UI's HTTP API answers the same list query.
  const listed = await uiGet<{ executions?: { execution: { workflowId: string } }[] }>(
    `/api/v1/namespaces/default/workflows?query=${encodeURIComponent(lagging)}`,
  );
  expect((listed.executions ?? []).map((e) => e.execution.workflowId)).toEqual([slowId]);

  // The shard's page: the start's summary and details (User Metadata)…
  const described = await uiGet<{
    executionConfig?: { userMetadata?: { summary?: JsonPayload; details?: JsonPayload } };
    workflowExecutionInfo?: { searchAttributes?: { indexedFields?: Record<string, JsonPayload> } };
  }>(`/api/v1/namespaces/default/workflows/${encodeURIComponent(slowId)}`);
  const summary = decode(described.executionConfig?.userMetadata?.summary);
  const details = decode(described.executionConfig?.userMetadata?.details);
  expect(summary).toContain(`${target.streamName} / ${SLOW}`);
  expect(summary).toContain(HANDLER_NAME);
  expect(details).toContain('**Handler**');
  expect(details).toContain('batchSize 5');
  const millisBehind = decode(
    described.workflowExecutionInfo?.searchAttributes?.indexedFields?.KspMillisBehind,
  );
  expect(millisBehind).toBeGreaterThan(LAG_THRESHOLD_MS);

  // …its current details, through the query the UI runs for them…
  const metadata = await uiPost<{ queryResult?: { payloads?: JsonPayload[] } }>(
    `/api/v1/namespaces/default/workflows/${encodeURIComponent(slowId)}/query/__temporal_workflow_metadata`,
    { query: { queryType: '__temporal_workflow_metadata' } },
  );
  const current = decode(metadata.queryResult?.payloads?.[0]) as { currentDetails?: string };
  expect(current.currentDetails).toMatch(/^\*\*running\*\* · \*\*[\d.]+s behind\*\* the tip/);
  expect(current.currentDetails).toContain('**Handled** 5');

  // …and what each batch activity was doing, in the event history.
  const history = await uiGet<{
    history?: { events?: { eventType?: string; userMetadata?: { summary?: JsonPayload } }[] };
  }>(`/api/v1/namespaces/default/workflows/${encodeURIComponent(slowId)}/history`);
  const activitySummaries = (history.history?.events ?? [])
    .filter((e) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED')
    .map((e) => decode(e.userMetadata?.summary));
  expect(activitySummaries[0]).toBe(`processBatch ${SLOW} from TRIM_HORIZON, ≤5 records`);
  expect(activitySummaries[1]).toMatch(new RegExp(`^processBatch ${SLOW} after \\d+, ≤5 records$`));

  // The stream's own page: summary, and current details naming the most lagging shard.
  const streamId = `ksp:${target.streamName}`;
  const streamDescribed = await uiGet<{
    executionConfig?: { userMetadata?: { summary?: JsonPayload } };
  }>(`/api/v1/namespaces/default/workflows/${encodeURIComponent(streamId)}`);
  expect(decode(streamDescribed.executionConfig?.userMetadata?.summary)).toContain(
    `Kinesis stream ${target.streamName}`,
  );
  const streamDetails = await waitFor(
    async () => {
      const reply = await uiPost<{ queryResult?: { payloads?: JsonPayload[] } }>(
        `/api/v1/namespaces/default/workflows/${encodeURIComponent(streamId)}/query/__temporal_workflow_metadata`,
        { query: { queryType: '__temporal_workflow_metadata' } },
      );
      const text =
        (decode(reply.queryResult?.payloads?.[0]) as { currentDetails?: string }).currentDetails ?? '';
      if (!text.includes(`**Most behind**: \`${SLOW}\``)) throw new Error(`details: ${text}`);
      return text;
    },
    { timeoutMs: 15_000, intervalMs: 500, what: 'the stream details to name the lagging shard' },
  );
  expect(streamDetails).toMatch(/^\*\*running\*\* · 2 shards: 2 running\n/);
});
