/**
 * Counts the Kinesis calls a client makes, per command, with the time they took: the evidence
 * for where a consumer spends its time per batch (GetRecords versus GetShardIterator versus the rest).
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';

export interface CommandCount {
  calls: number;
  /** Sum of the call durations, SDK retries included. */
  totalMs: number;
}

const ZERO: CommandCount = { calls: 0, totalMs: 0 };

export type MeterReading = Record<string, CommandCount>;

export class KinesisMeter {
  private readonly counts = new Map<string, CommandCount>();

  /** Installs the meter on `client` (once per client) and returns the client. */
  attach(client: KinesisClient): KinesisClient {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const started = performance.now();
        try {
          return await next(args);
        } finally {
          const name = String(context.commandName ?? 'unknown').replace(/Command$/, '');
          const count = this.counts.get(name) ?? { ...ZERO };
          count.calls++;
          count.totalMs += performance.now() - started;
          this.counts.set(name, count);
        }
      },
      { step: 'initialize', name: 'kspBenchMeter' },
    );
    return client;
  }

  read(): MeterReading {
    return Object.fromEntries([...this.counts].map(([name, c]) => [name, { ...c }]));
  }

  /** What was counted since `before` (a reading of this meter). */
  since(before: MeterReading): MeterReading {
    const out: MeterReading = {};
    for (const [name, c] of this.counts) {
      const b = before[name] ?? ZERO;
      if (c.calls > b.calls) {
        out[name] = { calls: c.calls - b.calls, totalMs: c.totalMs - b.totalMs };
      }
    }
    return out;
  }
}
