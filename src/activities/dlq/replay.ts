/**
 * The DLQ replay activities. `replayDlqBatch` long-polls the queue for a short while, replays each
 * message (src/activities/dlq-replay-message.ts), deletes what succeeded in batches, hides what it
 * leaves, and returns counts only: records never reach workflow history (DESIGN.md rule 1). It
 * heartbeats its counts, so an attempt retried after a worker died goes on counting where the last
 * one stopped, and it ends early, after the message in hand, when the workflow cancels it (stop).
 */
import {
  type DlqReplayActivities,
  type DlqReplayCounts,
  type HeldMessage,
  type ReleaseDlqMessagesInput,
  type ReplayDlqBatchInput,
  type ReplayDlqBatchResult,
  emptyCounts,
} from '../../dlq/replay-contract';
import { ErrorType } from '../../errors';
import type { ReceivedMessage } from './queue';
import { orderedReceive, selectedKeysOf } from './ordered-receive';
import { RecordRateLimiter } from './rate';
import { type MessageReplayerDeps, type MessageResult, MessageReplayer } from './replay-message';
import type { RecordReputter } from './targets';

export interface DlqReplayDeps extends Omit<MessageReplayerDeps, 'rate' | 'heartbeat' | 'reputter'> {
  /** Gives each call producers of its own, reused for every message of the call. */
  reputter: RecordReputter;
  heartbeat(details: BatchProgress): void;
  /** The heartbeat details of the previous attempt of this activity, if it was retried. */
  previousProgress(): unknown;
  /** Aborted when the workflow cancels the activity (stop): finish the message in hand, then return. */
  cancelled(): AbortSignal;
  /** A plain timer: a stop must not interrupt a message half replayed. */
  sleep(ms: number): Promise<void>;
  /** Each message finished with, for the metrics (once per message per attempt). */
  onMessage?(queueUrl: string, result: MessageResult['counted']): void;
}

/** What one call has done so far: its heartbeat details. */
interface BatchProgress {
  counts: DlqReplayCounts;
  held: HeldMessage[];
  retryAt: number | null;
}

/** Pause after an empty short poll (receiveWait 0), so an idle queue is not polled in a tight loop. */
const SHORT_POLL_PAUSE_MS = 200;
/** Least time between two heartbeats while messages are replayed. */
const BEAT_EVERY_MS = 1_000;
/** Receives kept in flight while a full queue is replayed (each up to 10 messages). */
const RECEIVES_AHEAD = 2;

function isProgress(value: unknown): value is BatchProgress {
  return typeof value === 'object' && value !== null && 'counts' in value && 'held' in value;
}

function tally(counts: DlqReplayCounts, r: MessageResult): void {
  counts.seen++;
  counts[r.counted]++;
  if (r.skippedBy) counts.skippedBy[r.skippedBy] = (counts.skippedBy[r.skippedBy] ?? 0) + 1;
  // for…in rather than Object.entries: no array of pairs per message.
  for (const key in r.records) {
    const k = key as keyof DlqReplayCounts['records'];
    counts.records[k] += r.records[k] ?? 0;
  }
}

export function createDlqReplayActivities(deps: DlqReplayDeps): DlqReplayActivities {
  async function replayDlqBatch(input: ReplayDlqBatchInput): Promise<ReplayDlqBatchResult> {
    const o = input.options;
    const previous = deps.previousProgress();
    const progress: BatchProgress = isProgress(previous)
      ? previous
      : { counts: emptyCounts(), held: [], retryAt: null };
    const { counts, held } = progress;
    const stop = deps.cancelled();
    const sendBeat = (): void => {
      lastBeatAt = deps.now();
      deps.heartbeat(progress);
    };
    let lastBeatAt = 0;
    // At most one heartbeat a second while messages flow (the SDK sends the server far fewer, one
    // per 80% of the heartbeat timeout, but each call still converts the details), and one when
    // the call ends or a batch is cut short (stop, failure).
    const beat = (): void => {
      if (deps.now() - lastBeatAt >= BEAT_EVERY_MS) sendBeat();
    };
    // Made once per call: each one adds a listener to the activity's cancellation signal.
    const handlerSignal = deps.handlerSignal();
    const reputter = deps.reputter.session(); // closed when the call ends (finally, below)
    const replayer = new MessageReplayer(
      {
        ...deps,
        reputter,
        handlerSignal: () => handlerSignal,
        rate: new RecordRateLimiter(
          o.ratePerSecond,
          () => deps.now(),
          (ms) => deps.sleep(ms),
        ),
        heartbeat: beat,
      },
      o,
    );
    let lastError: ReplayDlqBatchResult['lastError'] = null;
    // A partition-key replay goes in the records' original order (ordered-receive.ts).
    const inOrder = o.filters.partitionKeys.length > 0 && !o.dryRun;
    const blocked = new Set<string>();
    const receiveFrom = inOrder
      ? orderedReceive(deps.queue.receive.bind(deps.queue))
      : deps.queue.receive.bind(deps.queue);
    const started = deps.now();
    let lastMessageAt = started;
    let idle = false;
    const visibilitySeconds = Math.ceil(o.visibilityTimeoutMs / 1000);
    // A stop cuts a long poll short. The queue's bounded call gives the SDK a signal of its own
    // and removes its listener from `stop` when the call settles (src/aws/call.ts), so `stop`
    // collects no listener per receive and needs no controller of its own in between.
    const receive = (max: number, waitSeconds: number): Promise<ReceivedMessage[]> =>
      receiveFrom(o.queueUrl, { max, waitSeconds, visibilitySeconds, abortSignal: stop });
    // The next receives, sent while the messages in hand are replayed (short polls: SQS answers at
    // once). Their messages are replayed after those in hand, one receive after another in the
    // order they were sent, or made visible again if this call ends first.
    const ahead: Array<Promise<ReceivedMessage[]>> = [];
    // The deletes of the last batch, sent while the next one is replayed; awaited before the next
    // batch's deletes and before the call returns (a refusal is reported as before).
    let deleting: Promise<void> = Promise.resolve();
    const deleteLater = (handles: string[]): void => {
      if (handles.length === 0) return;
      const previous = deleting;
      deleting = (async () => {
        await previous;
        const refused = await deps.queue.delete(o.queueUrl, handles);
        if (refused.length > 0) {
          lastError = {
            type: ErrorType.DlqDeleteRefused,
            message: `${refused.length} replayed message(s) could not be deleted and will be replayed again`,
          };
          deps.log.warn(lastError.message, { queueUrl: o.queueUrl });
        }
      })();
      deleting.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
    };

    try {
      for (;;) {
        if (stop.aborted || counts.seen >= input.maxMessages) break;
        const elapsed = deps.now() - started;
        const idleFor = deps.now() - lastMessageAt;
        if (elapsed >= o.reportIntervalMs || (idle && idleFor >= input.idleWaitMs)) break;
        let messages: ReceivedMessage[] = [];
        while (messages.length === 0 && ahead.length > 0)
          messages = await (ahead.shift() as Promise<ReceivedMessage[]>);
        let waitSeconds = 0;
        if (messages.length === 0) {
          const waitMs = Math.min(o.receiveWaitMs, input.idleWaitMs - idleFor, o.reportIntervalMs - elapsed);
          waitSeconds = Math.max(0, Math.floor(waitMs / 1000));
          messages = await receive(input.maxMessages - counts.seen, waitSeconds);
        }
        beat();
        if (messages.length === 0) {
          idle = true;
          if (waitSeconds === 0 && !stop.aborted) await deps.sleep(SHORT_POLL_PAUSE_MS);
          continue;
        }
        idle = false;
        lastMessageAt = deps.now();
        // A full receive: the queue has more, so keep RECEIVES_AHEAD receives in flight (not in
        // a partition-key replay: its one ordered receive already holds what the queue had).
        if (!inOrder && messages.length >= 10 && !stop.aborted && deps.now() - started < o.reportIntervalMs) {
          for (;;) {
            const more = input.maxMessages - counts.seen - messages.length - 10 * ahead.length;
            if (more <= 0 || ahead.length >= RECEIVES_AHEAD) break;
            const next = receive(more, 0);
            next.catch(() => undefined); // awaited in turn, or released in the finally below
            ahead.push(next);
          }
        }
        const done: string[] = [];
        const hold: ReceivedMessage[] = [];
        let next = 0;
        let finished = false;
        try {
          for (; next < messages.length && !stop.aborted; next++) {
            const m = messages[next] as ReceivedMessage;
            if (blocked.size > 0 && selectedKeysOf(m, o.filters.partitionKeys).some((k) => blocked.has(k))) {
              hold.push(m); // waits behind a failed record of its key until the next run
              continue;
            }
            const result = await replayer.replay(m);
            tally(counts, result);
            deps.onMessage?.(o.queueUrl, result.counted);
            if (result.error) lastError = result.error;
            if (result.retryAt !== undefined)
              progress.retryAt = Math.max(progress.retryAt ?? 0, result.retryAt);
            if (result.then === 'delete') done.push(m.receiptHandle);
            else if (result.then === 'hold') hold.push(m);
            beat();
            if (inOrder && (result.counted === 'failed' || result.counted === 'parked')) {
              // Nothing after a failed record of a key may overtake it in this run.
              for (const k of selectedKeysOf(m, o.filters.partitionKeys)) blocked.add(k);
            }
          }
          finished = true;
        } finally {
          // Whatever happens next, what was replayed is deleted, what is left is hidden, and what
          // was received but not reached (stop, or a failure) is visible again at once. Deletes
          // go on while the next batch is replayed, unless this one ended early.
          deleteLater(done);
          if (!finished || stop.aborted) await deleting;
          if (hold.length > 0) {
            const holdSeconds = Math.ceil(o.holdForMs / 1000);
            await deps.queue.setVisibility(
              o.queueUrl,
              hold.map((m) => ({ receiptHandle: m.receiptHandle, seconds: holdSeconds })),
            );
            held.push(...hold.map((m) => ({ messageId: m.messageId, receiptHandle: m.receiptHandle })));
          }
          const untouched = messages.slice(next);
          if (untouched.length > 0) {
            await deps.queue
              .setVisibility(
                o.queueUrl,
                untouched.map((m) => ({ receiptHandle: m.receiptHandle, seconds: 0 })),
              )
              .catch(() => undefined);
          }
          if (finished && !stop.aborted) beat();
          else sendBeat();
        }
        lastMessageAt = deps.now();
      }
      await deleting;
    } finally {
      await reputter.close();
      // Received ahead but not replayed: visible again at once.
      const received = (await Promise.all(ahead.splice(0).map((p) => p.catch(() => [])))).flat();
      if (received.length > 0) {
        await deps.queue
          .setVisibility(
            o.queueUrl,
            received.map((m) => ({ receiptHandle: m.receiptHandle, seconds: 0 })),
          )
          .catch(() => undefined);
      }
    }
    sendBeat();
    return {
      counts,
      held,
      retryAt: progress.retryAt === null ? null : new Date(progress.retryAt).toISOString(),
      idleMs: idle ? deps.now() - lastMessageAt : 0,
      lastError,
    };
  }

  async function releaseDlqMessages(input: ReleaseDlqMessagesInput): Promise<number> {
    return deps.queue.setVisibility(
      input.queueUrl,
      input.messages.map((m) => ({ receiptHandle: m.receiptHandle, seconds: 0 })),
    );
  }

  return { replayDlqBatch, releaseDlqMessages };
}
