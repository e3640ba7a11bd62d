/**
 * The worker's activity slots, handed out only while its share of the shards lets it take one
 * (`LoopShare.wantsShards`, src/activities/shard/loop-share.ts). Temporal hands a task to a worker
 * with a poll waiting, and a shard returned for rebalancing was mostly handed back to the workers
 * that had just returned it (measured: a joining worker got 1–2 of 12 shards in 8 s). A worker
 * polls only with a slot reserved, so one that just handed a shard over, and still holds its
 * share, stops polling for a few seconds once its outstanding polls are used, and the shard goes
 * to a worker below its share.
 */
import type { ActivitySlotInfo, CustomSlotSupplier, SlotPermit, TunerHolder } from '@temporalio/worker';

/** How often a waiting reservation looks at the gate again. */
export const GATE_RECHECK_MS = 250;

export interface ShareGate {
  /** Whether to start another poll, `waiting` polls being at the server already. */
  mayPoll(waiting: number): boolean;
}

export class ShareGatedSlots implements CustomSlotSupplier<ActivitySlotInfo> {
  readonly type = 'custom' as const;
  private reserved = 0;
  /** Permits in use by a task (the rest wait at the server as polls). */
  private readonly used = new WeakSet<SlotPermit>();
  private inUse = 0;

  constructor(
    private readonly maxSlots: number,
    private readonly gate: ShareGate,
  ) {}

  private available(): boolean {
    return this.reserved < this.maxSlots && this.gate.mayPoll(this.reserved - this.inUse);
  }

  async reserveSlot(_ctx: unknown, abortSignal: AbortSignal): Promise<SlotPermit> {
    while (!this.available()) await recheckLater(abortSignal);
    this.reserved++;
    return {};
  }

  tryReserveSlot(): SlotPermit | null {
    if (!this.available()) return null;
    this.reserved++;
    return {};
  }

  markSlotUsed(ctx: { permit: SlotPermit }): void {
    if (this.used.has(ctx.permit)) return;
    this.used.add(ctx.permit);
    this.inUse++;
  }

  releaseSlot(ctx: { permit: SlotPermit }): void {
    this.reserved = Math.max(0, this.reserved - 1);
    if (this.used.delete(ctx.permit)) this.inUse = Math.max(0, this.inUse - 1);
  }
}

/** Resolves after GATE_RECHECK_MS; rejects with the signal's reason when the reservation is aborted. */
function recheckLater(abortSignal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const aborted = (): void => {
      clearTimeout(timer);
      // The signal's own reason: the SDK logs any other rejection of an aborted reservation as an error.
      reject(abortSignal.reason as Error);
    };
    const timer = setTimeout(() => {
      abortSignal.removeEventListener('abort', aborted);
      resolve();
    }, GATE_RECHECK_MS);
    if (abortSignal.aborted) aborted();
    else abortSignal.addEventListener('abort', aborted, { once: true });
  });
}

/**
 * The worker's tuner: the SDK's default fixed sizes for workflow, local activity and Nexus tasks,
 * and `maxActivities` activity slots gated by `gate`.
 */
export function shareGatedTuner(maxActivities: number, gate: ShareGate): TunerHolder {
  return {
    workflowTaskSlotSupplier: { type: 'fixed-size', numSlots: 40 },
    activityTaskSlotSupplier: new ShareGatedSlots(maxActivities, gate),
    localActivityTaskSlotSupplier: { type: 'fixed-size', numSlots: 100 },
    nexusTaskSlotSupplier: { type: 'fixed-size', numSlots: 100 },
  };
}
