/**
 * Put → handler latency, enhanced fan-out vs polling, on kinesis-local, in one run: with one
 * consumer application on the stream, then with two (a polling and an EFO application, in two
 * Temporal namespaces). Not part of `npm test`:
 *   npx jest --testMatch '**' test/bench/efo-latency.bench.ts
 * Prints p50/p99 per application. One PutRecord at a time, every 100 ms (kinesis-local's ceiling
 * is ~400 rec/s; this measures latency, not throughput).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { startStream } from '../../src/client/stream-control';
import { connectClient } from '../../src/client/temporal-client';
import { projectRoot } from '../../src/local/paths';
import { useIntegrationStack } from '../helpers/integration-stack';
import { createNamespace } from '../helpers/namespace';
import { fastPollOptions } from '../helpers/pipeline';
import { waitFor } from '../helpers/wait';

jest.setTimeout(300_000);
const suite = useIntegrationStack('efo-bench', 'kinesis-local');
const SINK = path.join(projectRoot(), 'test', 'fixtures', 'handlers', 'latency-sink.js');
const COUNT = 150;

function latencies(file: string): number[] {
  if (!existsSync(file)) return [];
  const seen = new Map<string, number>();
  for (const l of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const { key, sentAt, handledAt } = JSON.parse(l) as { key: string; sentAt: number; handledAt: number };
    if (!seen.has(key)) seen.set(key, handledAt - sentAt);
  }
  return [...seen.values()].sort((a, b) => a - b);
}
const pct = (xs: number[], p: number) =>
  xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;

async function produce(streamName: string): Promise<void> {
  for (let i = 0; i < COUNT; i++) {
    const data = Buffer.from(JSON.stringify({ i, sentAt: Date.now() }));
    await suite.kinesis.send(
      new PutRecordCommand({ StreamName: streamName, PartitionKey: `k${i % 4}`, Data: data }),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function app(
  label: string,
  ns: string,
  consumer: { type: 'efo'; name: string } | undefined,
  streamName: string,
  dlqUrl: string,
): Promise<string> {
  const taskQueue = `bench-${label}-${Date.now().toString(36)}`;
  const sinkFile = path.join(projectRoot(), '.test-out', 'efo-bench', `${taskQueue}.jsonl`);
  suite.worker({ taskQueue, sinkFile }, { extraEnv: { KSP_HANDLER: SINK, TEMPORAL_NAMESPACE: ns } });
  const client = await connectClient({
    address: suite.stack.temporalAddress ?? '',
    namespace: ns,
    taskQueue,
    tls: false,
  });
  await startStream(client.client, taskQueue, {
    options: fastPollOptions({ streamName, dlqUrl }, { batchSize: 100, ...(consumer ? { consumer } : {}) }),
  });
  await client.close();
  return sinkFile;
}

test('put → handler latency: EFO vs polling, one and two applications', async () => {
  await createNamespace(suite.temporal, 'bench-b');
  const rows: string[] = [];
  for (const mode of ['polling', 'efo'] as const) {
    const t = await suite.setup(1);
    const sink = await app(
      mode,
      'default',
      mode === 'efo' ? { type: 'efo', name: 'bench' } : undefined,
      t.streamName,
      t.dlqUrl,
    );
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await produce(t.streamName);
    await waitFor(() => latencies(sink).length >= COUNT, { timeoutMs: 60_000, what: `${mode} records` });
    const xs = latencies(sink);
    rows.push(`one app   ${mode.padEnd(8)} p50 ${pct(xs, 50)} ms  p99 ${pct(xs, 99)} ms  (n=${xs.length})`);
  }
  {
    const t = await suite.setup(1);
    const polling = await app('two-polling', 'default', undefined, t.streamName, t.dlqUrl);
    const efo = await app('two-efo', 'bench-b', { type: 'efo', name: 'bench2' }, t.streamName, t.dlqUrl);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await produce(t.streamName);
    await waitFor(() => latencies(polling).length >= COUNT && latencies(efo).length >= COUNT, {
      timeoutMs: 60_000,
      what: 'both apps',
    });
    for (const [mode, file] of [
      ['polling', polling],
      ['efo', efo],
    ] as const) {
      const xs = latencies(file);
      rows.push(`two apps  ${mode.padEnd(8)} p50 ${pct(xs, 50)} ms  p99 ${pct(xs, 99)} ms  (n=${xs.length})`);
    }
  }
  console.log(rows.join('\n'));
  expect(rows).toHaveLength(4);
});
