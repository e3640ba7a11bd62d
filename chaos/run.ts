/**
 * Runs one chaos scenario end to end: a fresh stack, a 4-shard stream and a DLQ, workers, the
 * stream started with `ksp start` (as a user would), the load, the scenario's faults at the same
 * time, then a bounded wait for every written record to be handled or dead-lettered, and the
 * verdict from what the handler saw and what the DLQ holds.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CreateStreamCommand, DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { CreateQueueCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { execFile } from 'node:child_process';
import { projectRoot } from '../src/local/paths';
import { decodeDlqRecords, parseDlqMessage } from '../src/dlq/envelope';
import { waitUntil } from '../bench/wait';
import { runLoad } from './load';
import type { Scenario, ScenarioSize } from './scenarios';
import { ChaosStack } from './stack';
import { type ChaosVerdict, type Delivery, verify } from './verify';

export interface ChaosResult {
  scenario: string;
  verdict: ChaosVerdict;
  /** What was injected, in order, with times from the start of the load. */
  faults: string[];
  /** Puts the producer gave up on (not written, so not expected downstream). */
  producerFailures: number;
  seconds: number;
}

const SHARDS = 4;
const KEYS = 100;

export interface RunOptions {
  size: ScenarioSize;
  dir: string;
  workflowBundle: string;
  log(line: string): void;
}

export async function runScenario(scenario: Scenario, options: RunOptions): Promise<ChaosResult> {
  const started = Date.now();
  const dir = path.join(options.dir, scenario.name);
  fs.rmSync(dir, { recursive: true, force: true });
  const stack = await ChaosStack.start(dir, options.workflowBundle);
  const admin = stack.kinesisClient('direct');
  const sqs = stack.sqsClient();
  try {
    const streamName = `chaos-${scenario.name}`;
    await admin.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: SHARDS }));
    await waitUntil(
      async () =>
        (await admin.send(new DescribeStreamSummaryCommand({ StreamName: streamName })))
          .StreamDescriptionSummary?.StreamStatus === 'ACTIVE',
      { what: `stream ${streamName} to be ACTIVE`, timeoutMs: 30_000, intervalMs: 100 },
    );
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: `${streamName}-dlq` }));
    const queueUrl = queue.QueueUrl ?? '';
    for (let i = 0; i < scenario.workers; i++) await stack.startWorker();
    await startStream(stack, dir, streamName, queueUrl);

    const spec = scenario.size(options.size);
    stack.kinesisProxy.plan = scenario.kinesisFaults ?? {};
    const loadStart = Date.now();
    const faults: string[] = [];
    const note = (what: string) => {
      const line = `+${((Date.now() - loadStart) / 1000).toFixed(1)}s ${what}`;
      faults.push(line);
      options.log(`${scenario.name}: ${line}`);
    };
    const [load] = await Promise.all([
      runLoad({
        kinesis: stack.kinesisClient('proxy'),
        streamName,
        keys: KEYS,
        recordsPerSecond: spec.recordsPerSecond,
        durationMs: spec.loadMs,
        poisonEvery: scenario.poisonEvery ?? 0,
      }),
      scenario.inject({ stack, size: options.size, loadMs: spec.loadMs, note, admin, streamName }),
    ]);
    stack.kinesisProxy.plan = {};
    options.log(`${scenario.name}: load done, ${load.written.length} written; waiting for the consumers`);

    const sink = path.join(dir, 'sink.jsonl');
    const expectedHandled = new Set(load.written.filter((w) => !w.poison).map((w) => `${w.k}#${w.n}`));
    const expectedDead = load.written.filter((w) => w.poison).length;
    let dead: { k: string; n: number }[] = [];
    await waitUntil(
      async () => {
        const seen = new Set(readSink(sink).map((d) => `${d.k}#${d.n}`));
        if ([...expectedHandled].some((id) => !seen.has(id))) return false;
        dead = [...dead, ...(await drainDlq(sqs, queueUrl))];
        return new Set(dead.map((d) => `${d.k}#${d.n}`)).size >= expectedDead;
      },
      {
        what: 'every written record to be handled or dead-lettered',
        timeoutMs: spec.settleMs,
        intervalMs: 1_000,
      },
    ).catch((err: unknown) =>
      options.log(`${scenario.name}: ${err instanceof Error ? err.message : String(err)}`),
    );
    dead = [...dead, ...(await drainDlq(sqs, queueUrl))];
    await ksp(['stop', streamName], stack.env());
    return {
      scenario: scenario.name,
      verdict: verify(load.written, readSink(sink), dead),
      faults,
      producerFailures: load.failed,
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    admin.destroy();
    sqs.destroy();
    await stack.stop();
  }
}

/** `ksp start --config`, the way a user starts a stream; short backoffs so retries finish in the run. */
async function startStream(
  stack: ChaosStack,
  dir: string,
  streamName: string,
  queueUrl: string,
): Promise<void> {
  const config = path.join(dir, 'stream.json');
  fs.writeFileSync(
    config,
    JSON.stringify({
      dlqQueueUrl: queueUrl,
      batchSize: 200,
      maxPollWait: '2s',
      idlePollInterval: '200ms',
      heartbeatTimeout: '10s',
      retry: { maximumAttempts: 3, initialInterval: '200ms', maximumInterval: '1s' },
    }),
  );
  await ksp(['start', streamName, '--config', config], stack.env());
}

/** Runs the built `ksp` command as a user would, in its own process; throws with its output on failure. */
function ksp(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [path.join(projectRoot(), 'dist', 'cli', 'main.js'), ...args],
      { env, timeout: 60_000 },
      (err, _stdout, stderr) =>
        err ? reject(new Error(`ksp ${args.join(' ')}: ${err.message}\n${stderr}`)) : resolve(),
    );
  });
}

function readSink(file: string): Delivery[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Delivery);
}

/** Receives (and leaves invisible) every DLQ message now in the queue; returns the records they carry. */
async function drainDlq(sqs: SQSClient, queueUrl: string): Promise<{ k: string; n: number }[]> {
  const records: { k: string; n: number }[] = [];
  for (;;) {
    const answer = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 3_600 }),
    );
    const messages = answer.Messages ?? [];
    if (messages.length === 0) return records;
    for (const message of messages) {
      const parsed = parseDlqMessage(message.Body ?? '');
      if (!parsed.ok) throw new Error(`a DLQ message is not an envelope: ${parsed.problem}`);
      for (const record of decodeDlqRecords(parsed.envelope)) {
        records.push(JSON.parse(new TextDecoder().decode(record.data)) as { k: string; n: number });
      }
    }
  }
}
