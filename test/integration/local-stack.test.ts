/**
 * The embedded local stack end to end: each server starts on 127.0.0.1, answers the calls the
 * project makes, and releases its port on stop.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { Connection } from '@temporalio/client';
import { createKinesisClient, createSqsClient } from '../../src/aws/clients';
import { SEARCH_ATTRIBUTES } from '../../src/constants';
import { LOCAL_AWS, startKinesisLocal } from '../../src/local/kinesis-emulator';
import { testOutDir } from '../../src/local/paths';
import * as ports from '../../src/local/ports';
import { getFreePort, isPortFree } from '../../src/local/ports';
import { type LocalStack, startLocalStack } from '../../src/local/stack';
import { createStream } from '../helpers/pipeline';
import { createTimeSkippingEnv } from '../helpers/time-skipping';
import { waitFor } from '../helpers/wait';

const aws = { region: LOCAL_AWS.region, credentials: { ...LOCAL_AWS.credentials } };
let nameCounter = 0;
const uniqueName = (prefix: string) => `${prefix}-${process.pid}-${Date.now()}-${++nameCounter}`;
const logDir = (name: string) => path.join(testOutDir(), 'logs', name);
const portOf = (url: string) => Number(new URL(url.includes('://') ? url : `grpc://${url}`).port);

/** Puts one record and reads it back from its shard; returns the data read. */
async function roundTripRecord(kinesis: KinesisClient, streamName: string, data: string): Promise<string[]> {
  const put = await kinesis.send(
    new PutRecordCommand({ StreamName: streamName, PartitionKey: 'pk-1', Data: Buffer.from(data) }),
  );
  const iterator = await kinesis.send(
    new GetShardIteratorCommand({
      StreamName: streamName,
      ShardId: put.ShardId,
      ShardIteratorType: 'TRIM_HORIZON',
    }),
  );
  const records = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator.ShardIterator }));
  return (records.Records ?? []).map((r) => Buffer.from(r.Data ?? new Uint8Array()).toString('utf8'));
}

async function exerciseKinesis(stack: LocalStack): Promise<void> {
  const kinesis = createKinesisClient({ ...aws, endpoint: stack.kinesisEndpoint });
  try {
    const streamName = uniqueName('local-stack');
    await createStream(kinesis, streamName, 2);
    const shards = await kinesis.send(new ListShardsCommand({ StreamName: streamName }));
    expect(shards.Shards).toHaveLength(2);
    expect(await roundTripRecord(kinesis, streamName, 'hello kinesis')).toEqual(['hello kinesis']);
  } finally {
    kinesis.destroy();
  }
}

async function exerciseSqs(stack: LocalStack): Promise<void> {
  const sqs = createSqsClient({ ...aws, endpoint: stack.sqsEndpoint });
  try {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('local-stack-dlq') }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'hello sqs' }));
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 2, MaxNumberOfMessages: 1 }),
    );
    expect(received.Messages?.map((m) => m.Body)).toEqual(['hello sqs']);
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl, ReceiptHandle: received.Messages?.[0]?.ReceiptHandle }),
    );
  } finally {
    sqs.destroy();
  }
}

async function exerciseTemporal(address: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const { namespaces } = await connection.workflowService.listNamespaces({});
    expect(namespaces.map((n) => n.namespaceInfo?.name)).toContain('default');
    const { customAttributes } = await connection.operatorService.listSearchAttributes({
      namespace: 'default',
    });
    expect(Object.keys(customAttributes ?? {})).toEqual(
      expect.arrayContaining(Object.keys(SEARCH_ATTRIBUTES)),
    );
  } finally {
    await connection.close();
  }
}

async function expectPortsFree(ports: number[]): Promise<void> {
  for (const port of ports) expect(await isPortFree(port)).toBe(true);
}

test('kinesis-local stack with the Temporal Web UI: every server answers, stop frees every port', async () => {
  const stack = await startLocalStack({
    temporal: {},
    kinesis: 'kinesis-local',
    logDir: logDir('stack-kinesis-local'),
  });
  const ports = [stack.temporalAddress, stack.uiUrl!, stack.kinesisEndpoint, stack.sqsEndpoint].map(portOf);
  try {
    expect(stack.kinesisKind).toBe('kinesis-local');
    await exerciseKinesis(stack);
    await exerciseSqs(stack);
    await exerciseTemporal(stack.temporalAddress);
    expect((await fetch(stack.uiUrl!)).status).toBe(200);
  } finally {
    await stack.stop();
  }
  await expectPortsFree(ports);
});

test('kinesalite stack, headless Temporal: every server answers, stop frees every port', async () => {
  const stack = await startLocalStack({
    temporal: { uiPort: null },
    kinesis: 'kinesalite',
    logDir: logDir('stack-kinesalite'),
  });
  const ports = [stack.temporalAddress, stack.kinesisEndpoint, stack.sqsEndpoint].map(portOf);
  try {
    expect(stack.uiUrl).toBeNull();
    expect(stack.kinesisKind).toBe('kinesalite');
    await exerciseKinesis(stack);
    await exerciseSqs(stack);
    await exerciseTemporal(stack.temporalAddress);
  } finally {
    await stack.stop();
  }
  await expectPortsFree(ports);
});

test('a part that fails to start stops the parts that did start', async () => {
  const [kinesisPort, sqsPort] = [await getFreePort(), await getFreePort()];
  const start = startLocalStack({
    // Not JSON: `temporal server start-dev` refuses it and exits.
    temporal: { uiPort: null, dynamicConfig: { 'frontend.enableUpdateWorkflowExecution': 'not json' } },
    kinesis: 'kinesalite',
    kinesisPort,
    sqsPort,
    logDir: logDir('stack-failure'),
  });
  await expect(start).rejects.toThrow(/The Temporal dev server failed to start/);
  await expectPortsFree([kinesisPort, sqsPort]);
});

test('a picked port that another process binds first is picked again (the dev server lost the race)', async () => {
  const holder = net.createServer((socket) => socket.destroy()); // the dev server's probe connects here
  await new Promise<void>((resolve) => holder.listen(0, ports.LOOPBACK, resolve));
  const taken = (holder.address() as net.AddressInfo).port;
  // The first pick is the dev server's gRPC port: hand it the port the holder already listens on.
  const pick = jest.spyOn(ports, 'getFreePort').mockResolvedValueOnce(taken);
  try {
    const stack = await startLocalStack({
      temporal: { uiPort: null },
      kinesis: 'kinesalite',
      logDir: logDir('stack-port-race'),
    });
    try {
      expect(portOf(stack.temporalAddress)).not.toBe(taken);
      await exerciseTemporal(stack.temporalAddress);
    } finally {
      await stack.stop();
    }
    expect(fs.readFileSync(path.join(logDir('stack-port-race'), 'temporal.log'), 'utf8')).toMatch(
      /address already in use/,
    );
  } finally {
    pick.mockRestore();
    await new Promise((resolve) => holder.close(resolve));
  }
});

test('a port in use is reported before anything starts, naming the server', async () => {
  const stack = await startLocalStack({
    temporal: false,
    kinesis: 'kinesalite',
    logDir: logDir('stack-port-clash'),
  });
  try {
    expect(stack.temporalAddress).toBeNull();
    await expect(
      startLocalStack({
        temporal: false,
        kinesis: 'kinesalite',
        sqsPort: portOf(stack.sqsEndpoint),
        logDir: logDir('x'),
      }),
    ).rejects.toThrow(/already in use, so the SQS emulator \(fauxqs\) cannot listen there/);
  } finally {
    await stack.stop();
  }
});

test('kinesis-local with persistDir reloads streams and records after a restart', async () => {
  const persistDir = path.join(testOutDir(), 'kinesis-persist', uniqueName('run'));
  const port = await getFreePort();
  const streamName = uniqueName('persisted');
  const first = await startKinesisLocal({ port, persistDir });
  const kinesis = createKinesisClient({ ...aws, endpoint: first.endpoint });
  try {
    await createStream(kinesis, streamName, 1);
    for (const data of ['a', 'b', 'c']) {
      await kinesis.send(
        new PutRecordCommand({ StreamName: streamName, PartitionKey: data, Data: Buffer.from(data) }),
      );
    }
  } finally {
    await first.stop(); // written on stop too: no need to wait for the 1 s persist interval
  }
  const second = await startKinesisLocal({ port, persistDir });
  try {
    const shards = await kinesis.send(new ListShardsCommand({ StreamName: streamName }));
    const iterator = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: shards.Shards?.[0]?.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const records = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator.ShardIterator }));
    expect(records.Records?.map((r) => Buffer.from(r.Data ?? new Uint8Array()).toString())).toEqual([
      'a',
      'b',
      'c',
    ]);
  } finally {
    kinesis.destroy();
    await second.stop();
    fs.rmSync(persistDir, { recursive: true, force: true });
  }
  await expectPortsFree([port]);
});

test('the time-skipping env starts with the search attributes and leaves nothing listening', async () => {
  const env = await createTimeSkippingEnv();
  const port = portOf(env.address);
  try {
    expect(env.supportsTimeSkipping).toBe(true);
    // The test server has no ListSearchAttributes; it does validate them when a workflow starts.
    const start = (searchAttributes: Record<string, string[] | number[]>) =>
      env.client.workflow.start('noSuchWorkflow', {
        taskQueue: uniqueName('nobody'),
        workflowId: uniqueName('sa'),
        searchAttributes,
      });
    const handle = await start(
      // A value of each attribute's type: the server refuses text in an Int attribute.
      Object.fromEntries(
        Object.entries(SEARCH_ATTRIBUTES).map(([name, type]) => [name, type === 'Int' ? [1] : ['x']]),
      ),
    );
    const { searchAttributes } = await handle.describe();
    expect(Object.keys(searchAttributes)).toEqual(expect.arrayContaining(Object.keys(SEARCH_ATTRIBUTES)));
    await handle.terminate();
    const refused = await start({ KspNotRegistered: ['x'] }).then(
      () => 'accepted',
      (err: Error) => String(err.cause),
    );
    expect(refused).toMatch(/KspNotRegistered/);
  } finally {
    await env.teardown();
  }
  await waitFor(() => isPortFree(port), { timeoutMs: 2_000, what: `port ${port} free after teardown` });
});
