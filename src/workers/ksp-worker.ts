/**
 * A ksp worker process's two Temporal workers, run and shut down together: the main one polls the
 * task queue (workflows and activities), the rebalance one polls its rebalance queue for
 * activities only while the process is below its share of the shards (src/rebalance-queue.ts,
 * rebalance-slots.ts). Same connection, same activities, same share.
 */
import type { Worker, State } from '@temporalio/worker';

export class KspWorker {
  constructor(
    /** Workflows and activities of the task queue. */
    readonly main: Worker,
    /** Activities of the rebalance queue. */
    readonly rebalance: Worker,
  ) {}

  /** The main worker's state. */
  getState(): State {
    return this.main.getState();
  }

  /** Runs both until either stops (shutdown, a signal, a fatal error); rejects with the first error. */
  async run(): Promise<void> {
    const runs = [this.main, this.rebalance].map((w) => w.run().finally(() => this.shutdown()));
    const settled = await Promise.allSettled(runs);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Runs both while `fnOrPromise` runs, then shuts them down: its result, or the workers' error. */
  async runUntil<R>(fnOrPromise: Promise<R> | (() => Promise<R>)): Promise<R> {
    const running = this.run();
    const stopped = running.then(() => {
      throw new Error('the ksp worker stopped before its work was done');
    });
    stopped.catch(() => undefined); // raced below; ignored once the work is done
    try {
      const work = typeof fnOrPromise === 'function' ? fnOrPromise() : fnOrPromise;
      return await Promise.race([work, stopped]);
    } finally {
      this.shutdown();
      await running;
    }
  }

  /** Starts shutting both down (a worker not running is left as it is). */
  shutdown(): void {
    for (const w of [this.main, this.rebalance]) if (w.getState() === 'RUNNING') w.shutdown();
  }
}
