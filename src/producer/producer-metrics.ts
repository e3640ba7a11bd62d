/**
 * What the producer adds to ksp's metrics (src/metrics/catalog.ts), labelled by stream: records
 * acknowledged and their put latency, retries, throttles and the records buffered. The producer is
 * a library used outside Temporal too, so the meter is optional: without one nothing is recorded.
 */
import type { MetricMeter } from '@temporalio/common';
import { KspMetrics } from '../metrics/recorder';

export interface ProducerMetrics {
  /** A user record is in the stream, `latencyMs` after its `put`. */
  put(latencyMs: number): void;
  retried(records: number): void;
  throttled(): void;
  buffered(records: number): void;
}

const NONE: ProducerMetrics = { put() {}, retried() {}, throttled() {}, buffered() {} };

export function producerMetrics(meter: MetricMeter | null, streamName: string): ProducerMetrics {
  if (!meter) return NONE;
  const metrics = new KspMetrics(meter);
  const tags = { stream: streamName };
  return {
    put(latencyMs) {
      metrics.count('producerRecordsPut', 1, tags);
      metrics.observe('producerPutLatency', latencyMs / 1000, tags);
    },
    retried: (records) => metrics.count('producerRetries', records, tags),
    throttled: () => metrics.count('producerThrottles', 1, tags),
    buffered: (records) => metrics.set('producerBufferedRecords', records, tags),
  };
}
