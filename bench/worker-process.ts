/**
 * A ksp worker in its own process, started exactly as users start one (`node dist/workers/main.js`
 * configured by environment), with the no-op handler: its memory is the worker's alone.
 */
import path from 'node:path';
import { DEFAULT_NAMESPACE } from '../src/constants';
import { projectRoot } from '../src/local/paths';
import { type ServiceProcess, spawnService, startFailure } from '../src/local/service-process';
import type { BenchStack } from './bench-stack';
import { waitUntil } from './wait';

/** What src/workers/main.ts prints once the worker is created. */
const READY_LINE = 'ksp worker: task queue';

export interface WorkerProcess {
  pid: number;
  /** SIGTERM, SIGKILL after 3 s (its long polls would otherwise hold it for the 30 s grace time). */
  stop(): Promise<void>;
  /** SIGKILL (a lost worker: no shutdown, no final heartbeat); resolves once it has exited. */
  kill(): Promise<void>;
}

export async function startWorkerProcess(
  stack: BenchStack,
  options: {
    taskQueue: string;
    workflowBundlePath: string;
    logFile: string;
    signal?: AbortSignal;
    /** Added to the worker's environment (e.g. KSP_METRICS_ADDRESS). */
    env?: Record<string, string>;
  },
): Promise<WorkerProcess> {
  const service: ServiceProcess = spawnService({
    name: 'the bench worker process',
    command: process.execPath,
    // dist/ (built by provisioning), not dist-tools/: the bench's build holds only what it imports.
    args: [path.join(projectRoot(), 'dist', 'workers', 'main.js')],
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: stack.local.temporalAddress,
      TEMPORAL_NAMESPACE: DEFAULT_NAMESPACE,
      TEMPORAL_TLS: 'false',
      KSP_TASK_QUEUE: options.taskQueue,
      AWS_REGION: stack.local.region,
      AWS_ENDPOINT_URL_KINESIS: stack.local.kinesisEndpoint,
      AWS_ENDPOINT_URL_SQS: stack.local.sqsEndpoint,
      KSP_HANDLER: path.join(__dirname, 'noop-handler.js'),
      KSP_WORKFLOW_BUNDLE: options.workflowBundlePath,
      ...options.env,
    },
    logFile: options.logFile,
  });
  const stop = () => service.stop(3_000);
  try {
    await waitUntil(() => service.exitReason() !== undefined || service.logTail().includes(READY_LINE), {
      what: 'the worker process to report ready',
      timeoutMs: 30_000,
      intervalMs: 100,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (service.exitReason() !== undefined)
      throw startFailure(service, 'it exited before it was ready', options.logFile);
  } catch (err) {
    await stop();
    throw err;
  }
  if (service.child.pid === undefined) throw new Error('the worker process has no pid');
  const kill = async (): Promise<void> => {
    service.child.kill('SIGKILL');
    await service.stop(0);
  };
  return { pid: service.child.pid, stop, kill };
}
