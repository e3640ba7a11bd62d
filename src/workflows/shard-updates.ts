/**
 * The shard workflow's Updates (pause, resume, stop, seek) and the `seek` signal the stream
 * workflow sends. Each Update's validator rejects a bad request before it enters history (DESIGN.md
 * rule 10) and each answers with the shard's status once the operation took effect. The older
 * pause / resume / stop signals stay registered in shard.ts for old callers and histories.
 */
import {
  ApplicationFailure,
  condition,
  currentUpdateInfo,
  log,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { INFRA_RETRY } from './retry-policies';
import {
  SEEK_BEFORE_RETENTION,
  type SeekPosition,
  checkShardSeekInput,
  retentionProblem,
  seekRequester,
} from './seek';
import type { ShardConsumer } from './shard-consumer';
import {
  type ShardStatus,
  checkPauseUpdate,
  pauseShardUpdate,
  resumeShardUpdate,
  seekShardSignal,
  seekShardUpdate,
  stopShardUpdate,
} from './shard-messages';
import { noPayloadProblem } from './message-checks';

const { streamRetention } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '1m',
  retry: INFRA_RETRY,
});

/**
 * Refuses a seek to a time the stream no longer keeps; fails the Update (validators cannot call
 * activities, so this runs in the handler, before anything moves).
 */
export async function checkRetention(streamName: string, position: SeekPosition): Promise<void> {
  if (position.type !== 'AT_TIMESTAMP') return;
  const { retentionPeriodHours } = await streamRetention({ streamName });
  const problem = retentionProblem(position, retentionPeriodHours, Date.now());
  if (problem !== null) throw ApplicationFailure.nonRetryable(problem, SEEK_BEFORE_RETENTION);
}

/** Registers the Updates and the `seek` signal; `interrupt` cancels an idle long poll. */
export function registerShardUpdates(shard: ShardConsumer, interrupt: () => void): void {
  const { shardId, streamName } = shard.input;
  const notStopping = (): void => {
    if (shard.stopping) throw new Error(`shard ${shardId} is stopping: start it again to operate it`);
  };
  /** The status once the batch in flight (if any) has settled and a waiting seek is applied. */
  const settledStatus = async (): Promise<ShardStatus> => {
    await condition(() => !shard.inFlight);
    shard.applyPendingSeek();
    return shard.status();
  };

  setHandler(
    pauseShardUpdate,
    (input) => {
      shard.pause(checkPauseUpdate(input));
      interrupt();
      return Promise.resolve(shard.status());
    },
    {
      validator: (...args: unknown[]) => {
        notStopping();
        checkPauseUpdate(...args);
      },
    },
  );
  setHandler(
    resumeShardUpdate,
    () => {
      shard.resume();
      return Promise.resolve(shard.status());
    },
    {
      validator: (...args: unknown[]) => {
        const problem = noPayloadProblem('resume', args);
        if (problem !== null) throw new Error(problem);
        notStopping();
        if (!shard.paused) throw new Error(`shard ${shardId} is not paused: nothing to resume`);
      },
    },
  );
  setHandler(
    stopShardUpdate,
    () => {
      shard.stop();
      interrupt();
      return settledStatus();
    },
    {
      validator: (...args: unknown[]) => {
        const problem = noPayloadProblem('stop', args);
        if (problem !== null) throw new Error(problem);
      },
    },
  );
  setHandler(
    seekShardUpdate,
    async (raw) => {
      const input = checkShardSeekInput(raw, Date.now());
      await checkRetention(streamName, input.position);
      if (shard.stopping) {
        throw ApplicationFailure.nonRetryable(`shard ${shardId} began to stop: the seek was not applied`);
      }
      shard.seek(input.position, seekRequester(input, currentUpdateInfo()?.id, 'seek update'));
      interrupt();
      return settledStatus();
    },
    {
      validator: (...args: unknown[]) => {
        if (args.length > 1) throw new Error('`seek` takes one input: send one JSON object');
        notStopping();
        checkShardSeekInput(args[0], Date.now());
      },
    },
  );
  // From the stream workflow (it has checked the retention): a malformed one is logged and dropped.
  setHandler(seekShardSignal, async (raw: unknown) => {
    let input;
    try {
      input = checkShardSeekInput(raw, Date.now());
    } catch (err) {
      log.warn(`shard ${shardId}: dropped a malformed seek signal: ${String(err)}`, { shardId });
      return;
    }
    if (shard.stopping) return;
    shard.seek(input.position, seekRequester(input, undefined, 'seek signal'));
    interrupt();
    await settledStatus();
  });
}
