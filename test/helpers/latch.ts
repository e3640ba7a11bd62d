/**
 * Explicit ordering between a test and the code it drives, instead of sleeps: a latch the test
 * opens by hand, and a PutRecords hold that keeps requests in flight until the test lets them go.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';

/** `wait()` resolves once `open()` has been called (before or after). */
export class Latch {
  private release: () => void = () => undefined;
  private readonly opened = new Promise<void>((resolve) => (this.release = resolve));
  isOpen = false;

  open(): void {
    this.isOpen = true;
    this.release();
  }

  wait(): Promise<void> {
    return this.opened;
  }
}

/**
 * Client middleware that, once `hold()` is called, keeps every PutRecords call from reaching the
 * backend until `release()`: what was sent meanwhile is provably in flight across whatever the
 * test does in between. `held` counts the calls waiting.
 */
export class PutRecordsHold {
  held = 0;
  private gate: Latch | null = null;
  private readonly firstHeld = new Latch();

  constructor(kinesis: KinesisClient) {
    kinesis.middlewareStack.add(
      (next, context) => async (args) => {
        const gate = this.gate;
        if (context.commandName === 'PutRecordsCommand' && gate && !gate.isOpen) {
          this.held++;
          this.firstHeld.open();
          await gate.wait();
        }
        return next(args);
      },
      { step: 'initialize', name: 'putRecordsHold' },
    );
  }

  hold(): void {
    this.gate = new Latch();
  }

  /** Resolves once at least one call is held. */
  someHeld(): Promise<void> {
    return this.firstHeld.wait();
  }

  release(): void {
    this.gate?.open();
  }
}
