/**
 * The stream workflow's Updates: pause, resume, stop and seek. Validators reject a bad request
 * before it enters history (DESIGN.md rule 10); each answers with the stream status. The shards
 * hear them by signal (a workflow cannot send Updates). The older signals stay in stream.ts.
 */
import {
  ApplicationFailure,
  currentUpdateInfo,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { shardWorkflowId } from '../constants';
import { noPayloadProblem } from './message-checks';
import { INFRA_RETRY } from './retry-policies';
import { checkStreamSeekInput, seekRequester } from './seek';
import { checkRetention } from './shard-updates';
import { pauseShardSignal, resumeShardSignal, seekShardSignal, stopShardSignal } from './shard-messages';
import { pauseStreamUpdate, resumeStreamUpdate, seekStreamUpdate, stopStreamUpdate } from './stream-messages';
import { parsePause } from './stream-payloads';
import { shardSeekProblem } from './stream-seek';
import type { StreamState } from './stream-state';

const { describeStream } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '1m',
  retry: INFRA_RETRY,
});

type ShardHandle = ReturnType<typeof getExternalWorkflowHandle>;

/** Signals the named shards; returns those that could not be reached (their workflow closed). */
async function signalEach(
  stream: StreamState,
  shardIds: readonly string[],
  send: (handle: ShardHandle) => Promise<void>,
): Promise<string[]> {
  const failed: string[] = [];
  await Promise.all(
    shardIds.map(async (shardId) => {
      try {
        await send(getExternalWorkflowHandle(shardWorkflowId(stream.streamName, shardId)));
      } catch (err) {
        log.warn('could not signal shard workflow', { shardId, error: String(err) });
        failed.push(shardId);
      }
    }),
  );
  return failed;
}

function reject(problem: string | null): void {
  if (problem !== null) throw new Error(problem);
}

export function registerStreamUpdates(stream: StreamState): void {
  const notStopping = (): void =>
    reject(
      stream.stopRequested ? `stream ${stream.streamName} is stopping: start it again to operate it` : null,
    );
  const status = () => stream.status(Date.now());

  setHandler(
    pauseStreamUpdate,
    async (raw) => {
      const parsed = parsePause(raw);
      const reason = stream.pause(parsed.ok ? parsed.value.reason : undefined);
      await signalEach(stream, stream.activeShardIds(), (h) => h.signal(pauseShardSignal, { reason }));
      return status();
    },
    {
      validator: (...args: unknown[]) => {
        notStopping();
        if (args.length > 1) reject('`pause` takes one input: {"reason": "<text>"} or nothing');
        const parsed = parsePause(args[0]);
        if (!parsed.ok)
          reject(`the pause input: ${parsed.problem}; expected {"reason": "<text>"} or nothing`);
      },
    },
  );
  setHandler(
    resumeStreamUpdate,
    async () => {
      stream.resume();
      await signalEach(stream, stream.activeShardIds(), (h) => h.signal(resumeShardSignal));
      return status();
    },
    {
      validator: (...args: unknown[]) => {
        reject(noPayloadProblem('resume', args));
        notStopping();
        if (!stream.anyPaused)
          reject(`stream ${stream.streamName} is not paused, nor is any of its shards: nothing to resume`);
      },
    },
  );
  setHandler(
    stopStreamUpdate,
    async () => {
      stream.stop();
      await signalEach(stream, stream.activeShardIds(), (h) => h.signal(stopShardSignal));
      return status();
    },
    { validator: (...args: unknown[]) => reject(noPayloadProblem('stop', args)) },
  );
  setHandler(
    seekStreamUpdate,
    async (raw) => {
      const input = checkStreamSeekInput(raw, Date.now());
      await checkRetention(stream.streamName, input.position);
      const requestedBy = seekRequester(input, currentUpdateInfo()?.id, 'stream seek update');
      const signal = { position: input.position, requestedBy };
      if (input.shardId !== undefined) {
        const problem = shardSeekProblem(stream.snapshot().shards, input.shardId);
        if (problem !== null) throw ApplicationFailure.nonRetryable(problem);
        await signalEach(stream, [input.shardId], (h) => h.signal(seekShardSignal, signal));
        stream.recordShardSeek(input.shardId, input.position, requestedBy, new Date().toISOString());
        return status();
      }
      // A rewind re-reads closed shards still kept: which those are, ListShards says now.
      const listed =
        input.position.type === 'LATEST'
          ? new Set<string>()
          : new Set((await describeStream({ streamName: stream.streamName })).shards.map((s) => s.shardId));
      if (stream.stopRequested) throw ApplicationFailure.nonRetryable('the stream began to stop: no seek');
      const plan = stream.seekAll(input.position, listed, requestedBy, new Date().toISOString());
      await signalEach(stream, plan.moved, (h) => h.signal(seekShardSignal, signal));
      const unreachable = await signalEach(stream, plan.held, (h) => h.signal(stopShardSignal));
      for (const shardId of unreachable) stream.stopFailed(shardId);
      return status();
    },
    {
      validator: (...args: unknown[]) => {
        if (args.length > 1) reject('`seek` takes one input: send one JSON object');
        notStopping();
        const input = checkStreamSeekInput(args[0], Date.now());
        const shards = stream.snapshot().shards;
        if (input.shardId !== undefined) reject(shardSeekProblem(shards, input.shardId));
        else if (Object.keys(shards).length === 0)
          reject(
            `stream ${stream.streamName} has no shards yet (discovery has not run): try again in a moment`,
          );
      },
    },
  );
}
