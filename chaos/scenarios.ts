/**
 * The chaos scenarios: each names what it breaks and when. `short` runs fit inside `npm test`;
 * `full` runs are what the README reports (`npm run chaos`).
 */
import { type KinesisClient, UpdateShardCountCommand } from '@aws-sdk/client-kinesis';
import { sleep } from '../bench/wait';
import type { FaultPlan } from './fault-proxy';
import type { ChaosStack } from './stack';

export type ScenarioSize = 'short' | 'full';

export interface LoadSpec {
  recordsPerSecond: number;
  loadMs: number;
  /** How long the consumers get, after the load, to handle or dead-letter every record. */
  settleMs: number;
}

export interface InjectContext {
  stack: ChaosStack;
  size: ScenarioSize;
  loadMs: number;
  admin: KinesisClient;
  streamName: string;
  /** Records what was injected, with its time, for the report. */
  note: (what: string) => void;
}

export interface Scenario {
  name: string;
  description: string;
  workers: number;
  /** Every N-th record is poison (always failed by the handler, so dead-lettered). */
  poisonEvery?: number;
  /** Faults on every Kinesis call of the workers and the producer, for the whole load. */
  kinesisFaults?: FaultPlan;
  size(size: ScenarioSize): LoadSpec;
  inject(ctx: InjectContext): Promise<void>;
}

const load = (size: ScenarioSize): LoadSpec =>
  size === 'short'
    ? { recordsPerSecond: 100, loadMs: 25_000, settleMs: 90_000 }
    : { recordsPerSecond: 100, loadMs: 120_000, settleMs: 180_000 };

export const SCENARIOS: Scenario[] = [
  {
    name: 'worker-kill',
    description: 'SIGKILL a worker every 6 s (two workers, a new one started after each kill)',
    workers: 2,
    size: load,
    async inject({ stack, loadMs, note }) {
      const until = Date.now() + loadMs - 3_000;
      while (Date.now() + 6_000 < until) {
        await sleep(6_000);
        await stack.killWorker();
        note('SIGKILL worker');
        await stack.startWorker();
      }
    },
  },
  {
    name: 'temporal-restart',
    description: 'SIGKILL the Temporal server, restart it on the same database 3 s later',
    workers: 1,
    size: load,
    async inject({ stack, size, loadMs, note }) {
      const restarts = size === 'short' ? 1 : 3;
      for (let i = 0; i < restarts; i++) {
        await sleep(loadMs / (restarts + 1));
        note('SIGKILL Temporal server');
        await stack.restartTemporal(3_000);
        note('Temporal server back');
      }
    },
  },
  {
    name: 'kinesis-stall',
    description: 'SIGSTOP Kinesis (longer than the heartbeat timeout), SIGCONT, then restart it',
    workers: 1,
    size: load,
    async inject({ stack, size, loadMs, note }) {
      const stallMs = size === 'short' ? 12_000 : 32_000;
      await sleep(loadMs / 4);
      stack.stallKinesis(true);
      note(`SIGSTOP Kinesis for ${stallMs / 1000}s`);
      await sleep(stallMs);
      stack.stallKinesis(false);
      note('SIGCONT Kinesis');
      if (size === 'full') {
        await sleep(10_000);
        note('restart Kinesis (SIGTERM, 2 s down)');
        await stack.restartKinesis(2_000);
        note('Kinesis back');
      }
    },
  },
  {
    name: 'sqs-stall',
    description: 'poison records (1 in 250) while the DLQ does not answer',
    workers: 1,
    poisonEvery: 250,
    size: load,
    async inject({ stack, size, loadMs, note }) {
      const stallMs = size === 'short' ? 15_000 : 60_000;
      await sleep(Math.min(5_000, loadMs / 5));
      stack.sqsProxy.startStall();
      note(`SQS stalled for ${stallMs / 1000}s`);
      await sleep(stallMs);
      stack.sqsProxy.endStall();
      note('SQS answers again');
    },
  },
  {
    name: 'throttle',
    description: '30% of GetRecords throttled, 10% of PutRecords entries failed, for the whole load',
    workers: 1,
    kinesisFaults: {
      throttle: { operations: ['GetRecords', 'GetShardIterator'], rate: 0.3 },
      putEntryFailureRate: 0.1,
    },
    size: load,
    async inject({ note }) {
      note('throttling and partial PutRecords failures for the whole load');
      await Promise.resolve();
    },
  },
  {
    name: 'reshard',
    description: '4 → 8 shards (UpdateShardCount) under load, a worker SIGKILLed just after',
    workers: 2,
    size: load,
    async inject({ stack, admin, streamName, loadMs, note }) {
      await sleep(loadMs / 3);
      await admin.send(
        new UpdateShardCountCommand({
          StreamName: streamName,
          TargetShardCount: 8,
          ScalingType: 'UNIFORM_SCALING',
        }),
      );
      note('UpdateShardCount 4 → 8');
      await sleep(2_000);
      await stack.killWorker();
      note('SIGKILL worker');
      await stack.startWorker();
    },
  },
];

export function findScenarios(names: string[] | null): Scenario[] {
  if (names === null) return SCENARIOS;
  return names.map((name) => {
    const scenario = SCENARIOS.find((s) => s.name === name);
    if (!scenario) {
      throw new Error(
        `unknown scenario "${name}": use one or more of ${SCENARIOS.map((s) => s.name).join(', ')}`,
      );
    }
    return scenario;
  });
}
