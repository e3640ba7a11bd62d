/**
 * The stack a chaos scenario breaks: the Temporal dev server on a SQLite file (so it can be killed
 * and restarted on the same database), kinesis-local as a child process with persistence (so it can
 * be stalled with SIGSTOP and restarted), fauxqs, a fault proxy in front of each emulator, and
 * worker processes started exactly as users start them. Everything on 127.0.0.1.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createKinesisClient, createSqsClient } from '../src/aws/clients';
import { DEFAULT_NAMESPACE } from '../src/constants';
import { type KinesisEmulator, LOCAL_AWS, startKinesisLocal } from '../src/local/kinesis-emulator';
import { projectRoot } from '../src/local/paths';
import { getFreePort } from '../src/local/ports';
import { type ServiceProcess, spawnService, startFailure } from '../src/local/service-process';
import { type SqsEmulator, startFauxqs } from '../src/local/sqs-emulator';
import { type TemporalDevServer, startTemporalDevServer } from '../src/local/temporal-dev-server';
import { sleep, waitUntil } from '../bench/wait';
import { FaultProxy } from './fault-proxy';

/** What src/workers/main.ts prints once the worker polls its task queue. */
const WORKER_READY = 'ksp worker: task queue';

export interface ChaosWorker {
  readonly pid: number;
  readonly service: ServiceProcess;
}

export class ChaosStack {
  readonly workers: ChaosWorker[] = [];
  private workerCount = 0;

  private constructor(
    readonly dir: string,
    private temporal: TemporalDevServer,
    private readonly temporalPort: number,
    private kinesis: KinesisEmulator,
    private readonly kinesisPort: number,
    private readonly sqs: SqsEmulator,
    readonly kinesisProxy: FaultProxy,
    readonly sqsProxy: FaultProxy,
    readonly taskQueue: string,
    private readonly workflowBundle: string,
  ) {}

  static async start(dir: string, workflowBundle: string): Promise<ChaosStack> {
    fs.mkdirSync(dir, { recursive: true });
    const temporalPort = await getFreePort();
    const kinesisPort = await getFreePort();
    const temporal = await startTemporal(dir, temporalPort);
    const kinesis = await startKinesis(dir, kinesisPort);
    const sqs = await startFauxqs({ port: await getFreePort() });
    const kinesisProxy = await FaultProxy.start(kinesis.endpoint, 11);
    const sqsProxy = await FaultProxy.start(sqs.endpoint, 13);
    const queue = `chaos-${path.basename(dir)}`;
    return new ChaosStack(
      dir,
      temporal,
      temporalPort,
      kinesis,
      kinesisPort,
      sqs,
      kinesisProxy,
      sqsProxy,
      queue,
      workflowBundle,
    );
  }

  get temporalAddress(): string {
    return this.temporal.address;
  }

  /** The environment a worker or the `ksp` CLI runs with: both emulators behind their fault proxies. */
  env(): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: this.temporal.address,
      TEMPORAL_NAMESPACE: DEFAULT_NAMESPACE,
      KSP_TASK_QUEUE: this.taskQueue,
      AWS_REGION: LOCAL_AWS.region,
      AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
      AWS_ENDPOINT_URL_KINESIS: this.kinesisProxy.endpoint,
      AWS_ENDPOINT_URL_SQS: this.sqsProxy.endpoint,
    };
  }

  /** A Kinesis client through the fault proxy (the producer's view), or straight to the emulator. */
  kinesisClient(through: 'proxy' | 'direct'): KinesisClient {
    const endpoint =
      through === 'proxy' ? this.kinesisProxy.endpoint : `http://127.0.0.1:${this.kinesisPort}`;
    return createKinesisClient({ region: LOCAL_AWS.region, endpoint, credentials: LOCAL_AWS.credentials });
  }

  sqsClient(): SQSClient {
    return createSqsClient({
      region: LOCAL_AWS.region,
      endpoint: this.sqs.endpoint,
      credentials: LOCAL_AWS.credentials,
    });
  }

  async startWorker(): Promise<ChaosWorker> {
    const n = ++this.workerCount;
    const logFile = path.join(this.dir, `worker-${n}.log`);
    const service = spawnService({
      name: `chaos worker ${n}`,
      command: process.execPath,
      args: [path.join(projectRoot(), 'dist', 'workers', 'main.js')],
      env: {
        ...this.env(),
        KSP_HANDLER: path.join(projectRoot(), 'chaos', 'handler.js'),
        KSP_CHAOS_SINK: path.join(this.dir, 'sink.jsonl'),
        KSP_WORKFLOW_BUNDLE: this.workflowBundle,
      },
      logFile,
    });
    await waitUntil(() => service.exitReason() !== undefined || service.logTail().includes(WORKER_READY), {
      what: `chaos worker ${n} to report ready`,
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    if (service.exitReason() !== undefined || service.child.pid === undefined) {
      throw startFailure(service, 'it exited before it was ready', logFile);
    }
    const worker = { pid: service.child.pid, service };
    this.workers.push(worker);
    return worker;
  }

  /** SIGKILLs the oldest worker: its batches in flight are lost to it, never acknowledged. */
  async killWorker(): Promise<void> {
    const worker = this.workers.shift();
    if (!worker) return;
    worker.service.child.kill('SIGKILL');
    await worker.service.stop(0);
  }

  /** SIGKILL the Temporal dev server, wait `downMs`, start it again on the same port and database. */
  async restartTemporal(downMs: number): Promise<void> {
    if (this.temporal.pid !== undefined) process.kill(this.temporal.pid, 'SIGKILL');
    await this.temporal.stop();
    await sleep(downMs);
    this.temporal = await startTemporal(this.dir, this.temporalPort);
  }

  /** SIGSTOP / SIGCONT the Kinesis emulator: connections stay open, nothing answers. */
  stallKinesis(stalled: boolean): void {
    if (this.kinesis.pid === undefined) throw new Error('the Kinesis emulator has no process to stall');
    process.kill(this.kinesis.pid, stalled ? 'SIGSTOP' : 'SIGCONT');
  }

  /** Stops kinesis-local (it persists on SIGTERM) and starts it again on the same port and data. */
  async restartKinesis(downMs: number): Promise<void> {
    await this.kinesis.stop();
    await sleep(downMs);
    this.kinesis = await startKinesis(this.dir, this.kinesisPort);
  }

  async stop(): Promise<void> {
    if (this.kinesis.pid !== undefined) {
      try {
        process.kill(this.kinesis.pid, 'SIGCONT');
      } catch {
        // already gone
      }
    }
    await Promise.all(this.workers.splice(0).map((w) => w.service.stop(3_000)));
    await this.kinesisProxy.close();
    await this.sqsProxy.close();
    await this.sqs.stop();
    await this.kinesis.stop();
    await this.temporal.stop();
  }
}

function startTemporal(dir: string, port: number): Promise<TemporalDevServer> {
  return startTemporalDevServer({
    port,
    uiPort: null,
    dbFile: path.join(dir, 'temporal.db'),
    logFile: path.join(dir, 'temporal.log'),
  });
}

function startKinesis(dir: string, port: number): Promise<KinesisEmulator> {
  return startKinesisLocal({
    port,
    persistDir: path.join(dir, 'kinesis'),
    logFile: path.join(dir, 'kinesis-local.log'),
  });
}
