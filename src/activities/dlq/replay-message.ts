/**
 * One DLQ message through a replay: read it (or say why it cannot be), apply the filters, get its
 * records (from the message, or back from the stream), replay them, and decide what becomes of
 * the message. Deleting is left to the caller, which batches it; anything that must survive (what
 * was not replayed) is written to a queue before the original may be deleted.
 */
import { summarizeError } from '../../handler/error-text';
import { type DlqEnvelope, decodeParsedRecords } from '../../dlq/envelope';
import { messageFilterMiss, selectRecords } from '../../dlq/filter';
import type { DlqReplayCounts, SkipReason } from '../../dlq/replay-contract';
import {
  type CompiledDlqReplayOptions,
  MAX_RETRY_DELAY_MS,
  replayRetryDelayMs,
} from '../../config/replay-options';
import { parkedMessage, priorTries, requeueMessages, retriedMessage } from '../../dlq/requeue';
import type { BatchHandler, HandlerLogger } from '../../handler/contract';
import type { KinesisRecord } from '../../records';
import { parsedOnce } from './parsed-message';
import type { DlqQueue, ReceivedMessage } from './queue';
import type { RecordRateLimiter } from './rate';
import type { RecordRereader } from './reread';
import { type ReplayOutcome, type ReputSession, replayThroughHandler } from './targets';

/** What became of one received message. */
export interface MessageResult {
  /** Which count it adds to (each receive adds to exactly one). */
  counted: 'replayed' | 'failed' | 'skipped' | 'parked' | 'wouldReplay';
  /** Why it was not replayable, when that is the reason (left or parked). */
  skippedBy?: SkipReason;
  records: Partial<DlqReplayCounts['records']>;
  /** delete: done with it (whatever must survive was written first); hold: leave it hidden until the run ends. */
  then: 'delete' | 'hold';
  /** When it (or its requeued rest) can be tried again, ms since the epoch. */
  retryAt?: number;
  error?: { type: string; message: string };
}

export interface MessageReplayerDeps {
  queue: DlqQueue;
  rereader: RecordRereader;
  /** This replay call's producers (targets.ts). */
  reputter: Pick<ReputSession, 'put'>;
  handler: BatchHandler;
  rate: RecordRateLimiter;
  log: HandlerLogger;
  heartbeat(): void;
  handlerSignal(): AbortSignal;
  now(): number;
}

export class MessageReplayer {
  constructor(
    private readonly deps: MessageReplayerDeps,
    private readonly options: CompiledDlqReplayOptions,
  ) {}

  async replay(m: ReceivedMessage): Promise<MessageResult> {
    const o = this.options;
    const parsed = parsedOnce(m);
    if (!parsed.ok) {
      this.deps.log.warn('DLQ message is not a replayable envelope: left for a person', {
        messageId: m.messageId,
        reason: parsed.reason,
      });
      return o.parkUnreadable
        ? this.park(m, parsed.reason, priorTries(m.attributes), { skippedBy: parsed.problem })
        : { counted: 'skipped', skippedBy: parsed.problem, records: {}, then: 'hold' };
    }
    const envelope = parsed.envelope;
    if (messageFilterMiss(envelope, o.filters) !== null) {
      return { counted: 'skipped', skippedBy: 'filtered', records: {}, then: 'hold' };
    }
    const tries = priorTries(m.attributes) + 1; // this try included
    let records: KinesisRecord[];
    let reread = 0;
    if (envelope.recordsIncluded) {
      records = decodeParsedRecords(parsed);
    } else {
      const got = await this.deps.rereader.reread(envelope);
      if (!got.ok) {
        this.deps.log.warn('DLQ message records cannot be read back', {
          messageId: m.messageId,
          reason: got.reason,
        });
        return o.parkingQueueUrl !== null
          ? this.park(m, got.reason, tries, { skippedBy: 'records-gone' })
          : { counted: 'skipped', skippedBy: 'records-gone', records: {}, then: 'hold' };
      }
      records = got.records;
      reread = records.length;
    }
    const { selected, rest } = selectRecords(records, o.filters);
    if (selected.length === 0)
      return { counted: 'skipped', skippedBy: 'filtered', records: { reread }, then: 'hold' };
    if (o.dryRun)
      return { counted: 'wouldReplay', records: { replayed: selected.length, reread }, then: 'hold' };

    const wait = this.deps.rate.take(selected.length);
    if (wait !== undefined) await wait; // no limit, or tokens left: no promise to wait for
    const outcome = await this.send(envelope, selected, tries);
    if (outcome.failed.length === 0) {
      const requeued = rest.length === 0 ? 0 : await this.requeueRest(envelope, rest, m);
      return {
        counted: 'replayed',
        records: { replayed: selected.length, reread, requeued },
        then: 'delete',
      };
    }

    const error = outcome.error ?? { type: 'Error', message: 'replay failed' };
    // What may enter history (the replay's progress and lastError): bounded; the full error
    // goes back into the requeued or parked envelope, which already holds the records.
    const brief = summarizeError(error);
    const replayed = selected.length - outcome.failed.length;
    const exhausted = tries >= o.maxTries;
    if (replayed === 0 && rest.length === 0) {
      // Nothing replayed: the message goes back as it is, visible again after a delay, with its
      // tries counted; after the last it is parked (or left, without a parking queue).
      if (exhausted) {
        const reason = `replay failed ${tries} times, last: ${error.type}: ${error.message}`;
        if (o.parkingQueueUrl !== null)
          return this.park(m, reason, tries, { error: brief, records: selected.length });
        return {
          counted: 'failed',
          records: { failed: selected.length, reread },
          then: 'hold',
          error: brief,
        };
      }
      const delayMs = replayRetryDelayMs(o, tries);
      const again = retriedMessage(m.body, m.attributes, tries);
      await this.deps.queue.send(o.queueUrl, { ...again, delaySeconds: Math.ceil(delayMs / 1000) });
      return {
        counted: 'failed',
        records: { failed: selected.length, reread },
        then: 'delete',
        retryAt: this.deps.now() + delayMs,
        error: brief,
      };
    }
    // Partly replayed: the failed records go on as a message of their own (parked after the last
    // try), the records the filter left out go back unchanged, then the original can go.
    const requeued = rest.length === 0 ? 0 : await this.requeueRest(envelope, rest, m);
    if (exhausted && o.parkingQueueUrl !== null) {
      const reason = `replay failed ${tries} times, last: ${error.type}: ${error.message}`;
      await this.parkRecords(envelope, outcome.failed, reason, tries, error);
      return {
        counted: 'parked',
        records: { replayed, parked: outcome.failed.length, reread, requeued },
        then: 'delete',
        error: brief,
      };
    }
    const delayMs = replayRetryDelayMs(o, tries);
    const failedBack = await this.requeue(envelope, outcome.failed, tries, error, delayMs);
    return {
      counted: 'failed',
      records: { replayed, failed: outcome.failed.length, reread, requeued: requeued + failedBack },
      then: 'delete',
      retryAt: this.deps.now() + delayMs,
      error: brief,
    };
  }

  /** The records the partition-key filter left out go back unchanged, their tries as they were. */
  private requeueRest(envelope: DlqEnvelope, rest: KinesisRecord[], m: ReceivedMessage): Promise<number> {
    return this.requeue(envelope, rest, priorTries(m.attributes), null);
  }

  /** Not async itself: the reputter's and the handler's promises are the only ones per message. */
  private send(envelope: DlqEnvelope, records: KinesisRecord[], tries: number): Promise<ReplayOutcome> {
    if (this.options.mode === 'reput') {
      return this.deps.reputter.put(this.options.targetStream ?? envelope.streamName, records);
    }
    return replayThroughHandler(this.deps.handler, records, {
      streamName: envelope.streamName,
      shardId: envelope.KinesisBatchInfo.shardId,
      attempt: envelope.attempts + tries,
      log: this.deps.log,
      heartbeat: () => this.deps.heartbeat(),
      signal: this.deps.handlerSignal(),
    });
  }

  /** Puts records back into the DLQ as messages of their own; returns how many records. */
  private async requeue(
    envelope: DlqEnvelope,
    records: KinesisRecord[],
    tries: number,
    error: ReplayOutcome['error'],
    delayMs = 0,
  ): Promise<number> {
    const url = this.options.queueUrl;
    const messages = requeueMessages(envelope, records, {
      maxMessageBytes: await this.deps.queue.maxMessageBytes(url),
      tries,
      ...(error ? { error } : {}),
    });
    const delaySeconds = Math.min(MAX_RETRY_DELAY_MS, delayMs) / 1000;
    for (const message of messages) {
      await this.deps.queue.send(url, { ...message, delaySeconds: Math.ceil(delaySeconds) });
    }
    return records.length;
  }

  /** Moves the received message, untouched, to the parking queue (the caller deletes the original). */
  private async park(
    m: ReceivedMessage,
    reason: string,
    tries: number,
    extra: { skippedBy?: SkipReason; error?: { type: string; message: string }; records?: number },
  ): Promise<MessageResult> {
    const url = this.options.parkingQueueUrl as string;
    const message = parkedMessage(
      m.body,
      m.attributes,
      { reason, sourceQueueUrl: this.options.queueUrl, tries, at: new Date(this.deps.now()) },
      await this.deps.queue.maxMessageBytes(url),
    );
    await this.deps.queue.send(url, {
      body: message.body,
      attributes: message.attributes,
    });
    return {
      counted: 'parked',
      ...(extra.skippedBy ? { skippedBy: extra.skippedBy } : {}),
      records: { parked: extra.records ?? 0 },
      then: 'delete',
      ...(extra.error ? { error: extra.error } : {}),
    };
  }

  /** Parks some records of a message as envelopes of their own. */
  private async parkRecords(
    envelope: DlqEnvelope,
    records: KinesisRecord[],
    reason: string,
    tries: number,
    error: NonNullable<ReplayOutcome['error']>,
  ): Promise<void> {
    const url = this.options.parkingQueueUrl as string;
    const max = await this.deps.queue.maxMessageBytes(url);
    // Room for the parking attributes: at most 4 of 256 bytes plus their names.
    for (const m of requeueMessages(envelope, records, { maxMessageBytes: max - 1_200, tries, error })) {
      const parked = parkedMessage(
        m.body,
        m.attributes,
        { reason, sourceQueueUrl: this.options.queueUrl, tries, at: new Date(this.deps.now()) },
        max,
      );
      await this.deps.queue.send(url, {
        body: parked.body,
        attributes: parked.attributes,
      });
    }
  }
}
