/**
 * `ksp dev` (what `npm start` runs): the whole pipeline on the embedded local stack. Starts the
 * Temporal dev server with its Web UI, kinesis-local and fauxqs on 127.0.0.1, creates the demo
 * stream and DLQ, runs a worker and the stream workflow, produces demo records, and stops
 * everything on Ctrl-C. State lives in .data/dev, so a second run resumes from the checkpoints.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { CreateQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createKinesisClient, createSqsClient } from '../../aws/clients';
import { liveStreamStatus, startStream } from '../../client/stream-control';
import { DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE, streamWorkflowId } from '../../constants';
import { compileStreamOptions } from '../../config/stream-options';
import { projectRoot } from '../../local/paths';
import { assertPortFree } from '../../local/ports';
import { startLocalStack } from '../../local/stack';
import { runDemoProducer } from '../../producer/demo-producer';
import { connectClient } from '../../client/temporal-client';
import type { CliContext } from '../context';
import { helpFooter } from '../help';
import { intFlag, parse, stringFlag } from '../usage';
import { ConfigError } from '../../errors';

export const DEV_HELP = `Usage: ksp dev [options]      (npm start)
  --stream <name>        demo stream (default ksp-demo, 4 shards)
  --shards <n>           shards when the stream is created (default 4)
  --rate <records/s>     demo producer rate; 0 disables it (default 20)
  --kinesis <backend>    kinesis-local (default, faithful) | kinesalite (fast, no resharding API)
  --fresh                delete .data/dev first (forget workflows, stream and checkpoints)
Ports (127.0.0.1): Temporal 7233, Web UI 8233, Kinesis 4567, SQS 4566, worker metrics 9464.
${helpFooter([
  'KSP_TEMPORAL_PORT, KSP_UI_PORT, KSP_KINESIS_PORT, KSP_SQS_PORT, KSP_METRICS_PORT   other ports',
  'KSP_LOG_LEVEL         the worker’s log level (default WARN)',
  'KSP_SINK_POISON       RegExp: records the demo handler fails (default "poison":true)',
])}`;

async function ensureStream(
  kinesis: KinesisClient,
  streamName: string,
  shards: number,
): Promise<'created' | 'existing'> {
  let created: 'created' | 'existing' = 'existing';
  try {
    await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
  } catch {
    await kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shards }));
    created = 'created';
  }
  for (let i = 0; i < 100; i++) {
    const out = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    if (out.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return created;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`stream ${streamName} did not become ACTIVE`);
}

async function ensureQueue(sqs: SQSClient, name: string): Promise<string> {
  const out = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  if (!out.QueueUrl) throw new Error(`CreateQueue ${name} returned no URL`);
  return out.QueueUrl;
}

function spawnWorker(env: NodeJS.ProcessEnv, logPrefix: string): ChildProcess {
  const main = path.join(__dirname, '..', '..', 'workers', 'main.js');
  const child = spawn(process.execPath, [main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const relay = (data: Buffer) => {
    for (const line of data.toString().split('\n')) if (line.trim()) console.log(`${logPrefix} ${line}`);
  };
  child.stdout?.on('data', relay);
  child.stderr?.on('data', relay);
  return child;
}

function waitForExit(child: ChildProcess, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export async function devCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const { values } = parse('dev', argv, {
    stream: { type: 'string' },
    shards: { type: 'string' },
    rate: { type: 'string' },
    kinesis: { type: 'string' },
    fresh: { type: 'boolean' },
  });
  const env = ctx.env;
  const streamName = stringFlag(values.stream) ?? 'ksp-demo';
  const shards = intFlag('shards', values.shards, 1, 1000) ?? 4;
  const rate = intFlag('rate', values.rate, 0, 100_000) ?? 20;
  const backend = stringFlag(values.kinesis) ?? 'kinesis-local';
  if (backend !== 'kinesis-local' && backend !== 'kinesalite') {
    throw new ConfigError(
      '--kinesis',
      `${JSON.stringify(backend)} is not a backend: use kinesis-local or kinesalite`,
    );
  }
  const port = (name: string, fallback: number) => intFlag(name, env[name], 1, 65_535) ?? fallback;
  const root = projectRoot();
  const dataDir = path.join(root, '.data', 'dev');
  if (values.fresh) rmSync(dataDir, { recursive: true, force: true });

  const metricsPort = port('KSP_METRICS_PORT', 9464);
  await assertPortFree(metricsPort, 'the worker metrics endpoint (KSP_METRICS_PORT)');
  console.log('ksp dev: starting Temporal dev server, Kinesis and SQS emulators on 127.0.0.1 …');
  const stack = await startLocalStack({
    temporal: {
      port: port('KSP_TEMPORAL_PORT', 7233),
      uiPort: port('KSP_UI_PORT', 8233),
      dbFile: path.join(dataDir, 'temporal.db'),
    },
    kinesis: backend,
    kinesisPort: port('KSP_KINESIS_PORT', 4567),
    sqsPort: port('KSP_SQS_PORT', 4566),
    persistDir: path.join(dataDir, 'kinesis'),
    logDir: path.join(dataDir, 'logs'),
  });
  let worker: ChildProcess | undefined;
  const producerAbort = new AbortController();
  let producer: Promise<unknown> = Promise.resolve();
  let ticker: NodeJS.Timeout | undefined;
  let temporal: Awaited<ReturnType<typeof connectClient>> | undefined;
  let produced = 0;
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  try {
    const aws = { region: stack.region, credentials: stack.credentials };
    const kinesis = createKinesisClient({ ...aws, endpoint: stack.kinesisEndpoint });
    const sqs = createSqsClient({ ...aws, endpoint: stack.sqsEndpoint });
    const created = await ensureStream(kinesis, streamName, shards);
    const dlqUrl = await ensureQueue(sqs, `${streamName}-dlq`);
    const sinkFile = path.join(dataDir, 'sink.jsonl');

    const workerEnv: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_NAMESPACE: DEFAULT_NAMESPACE,
      KSP_TASK_QUEUE: DEFAULT_TASK_QUEUE,
      AWS_REGION: stack.region,
      AWS_ENDPOINT_URL_KINESIS: stack.kinesisEndpoint,
      AWS_ENDPOINT_URL_SQS: stack.sqsEndpoint,
      KSP_HANDLER: path.join(__dirname, '..', '..', 'examples', 'jsonl-sink.js'),
      KSP_SINK_FILE: sinkFile,
      KSP_LOG_LEVEL: env.KSP_LOG_LEVEL ?? 'WARN',
      KSP_LOG_FORMAT: env.KSP_LOG_FORMAT ?? 'text',
      KSP_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
      KSP_SINK_POISON: env.KSP_SINK_POISON ?? '"poison":true',
    };
    worker = spawnWorker(workerEnv, '[worker]');

    temporal = await connectClient({
      address: stack.temporalAddress,
      namespace: DEFAULT_NAMESPACE,
      taskQueue: DEFAULT_TASK_QUEUE,
      tls: false,
    });
    const options = compileStreamOptions({ streamName, dlqQueueUrl: dlqUrl, maxPollWait: '1m' });
    const { alreadyRunning } = await startStream(temporal.client, DEFAULT_TASK_QUEUE, { options });

    if (rate > 0) {
      producer = runDemoProducer({ kinesis, streamName, rate, keys: 200, signal: producerAbort.signal })
        .then((s) => {
          produced = s.produced;
        })
        .catch((err: unknown) => console.error('[producer]', err instanceof Error ? err.message : err));
    }
    const ui = `${stack.uiUrl}/namespaces/${DEFAULT_NAMESPACE}/workflows?query=${encodeURIComponent(`KspStream="${streamName}"`)}`;
    const cli = `TEMPORAL_ADDRESS=${stack.temporalAddress}`;
    console.log(`
ksp dev is running (${backend}; stream ${streamName} ${created === 'created' ? `created with ${shards} shards` : 'resumed from its checkpoints'}${alreadyRunning ? ', workflows resumed' : ''}).

  Temporal Web UI   ${ui}
  Stream workflow   ${stack.uiUrl}/namespaces/${DEFAULT_NAMESPACE}/workflows/${encodeURIComponent(streamWorkflowId(streamName))}
  Worker metrics    http://127.0.0.1:${metricsPort}/metrics   (Prometheus; alert rules in deploy/prometheus/)
  Handled records   ${sinkFile}
  DLQ               ${dlqUrl}

  Status            npm run ksp -- status ${streamName}
  Pause / resume    npm run ksp -- pause ${streamName}   |   npm run ksp -- resume ${streamName}
  Temporal CLI      .tools/bin/temporal workflow query --address ${stack.temporalAddress} --workflow-id ${streamWorkflowId(streamName)} --type status
  Environment       ${cli} AWS_ENDPOINT_URL_KINESIS=${stack.kinesisEndpoint} AWS_ENDPOINT_URL_SQS=${stack.sqsEndpoint}

Producing ${rate} records/s over 200 partition keys. Ctrl-C stops everything; \`npm start\` again resumes.
`);
    const client = temporal.client;
    ticker = setInterval(() => {
      liveStreamStatus(client, streamName).then(
        (s) =>
          console.log(
            `[status] ${s.state}: handled ${s.totals.handled}, dead-lettered ${s.totals.deadLettered}, shards ${s.shards.filter((x) => x.state === 'running').length} running, max lag ${s.totals.maxMillisBehindLatest ?? '-'} ms`,
          ),
        () => undefined,
      );
    }, 10_000);
    let stopping = false;
    const workerDied = new Promise<void>((_, reject) =>
      worker?.once('exit', (code, signal) => {
        // Ctrl-C reaches the worker too (same process group): that exit is part of stopping.
        if (!stopping && signal !== 'SIGINT')
          reject(new Error(`the worker exited (${signal ?? `code ${code}`})`));
      }),
    );
    await Promise.race([stopped.then(() => (stopping = true)), workerDied]);
    console.log('\nksp dev: stopping …');
  } finally {
    if (ticker) clearInterval(ticker);
    producerAbort.abort();
    await producer;
    if (produced > 0) console.log(`ksp dev: produced ${produced} records this run`);
    if (worker) {
      worker.kill('SIGTERM');
      await waitForExit(worker, 35_000);
    }
    await temporal?.close();
    await stack.stop();
    console.log('ksp dev: stopped; every port is free again.');
  }
}
