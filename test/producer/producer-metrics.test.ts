/**
 * The producer records `ksp_producer_*` on the `metricMeter` it is given, against kinesalite with
 * a throttled call and a throttled entry injected (test/helpers/put-faults.ts), read back from the
 * CloudWatch EMF meter; without a meter it records nothing and needs none.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { ConfigError } from '../../src/errors';
import type { KinesisEmulator } from '../../src/local/kinesis-emulator';
import { type ProducerOptions, createProducer } from '../../src/producer';
import { createStream, kinesisClientFor, startKinesis, uniqueName } from '../helpers/kinesis';
import { emfLines } from '../helpers/emf';
import { PutRecordsFaults } from '../helpers/put-faults';

describe('producer metrics (kinesalite)', () => {
  let emulator: KinesisEmulator | undefined;
  let kinesis: KinesisClient;

  beforeAll(async () => {
    emulator = await startKinesis('kinesalite');
    kinesis = kinesisClientFor(emulator.endpoint);
  });
  afterAll(async () => {
    kinesis?.destroy();
    await emulator?.stop();
  });

  it('counts records put, retries and throttles, the put latency, and the buffer back at 0', async () => {
    // Prepare: the first call throttled whole, then record r-3's entry throttled once.
    const streamName = uniqueName('producer-metrics');
    await createStream(kinesis, streamName, 1);
    let entryFailed = false;
    new PutRecordsFaults(kinesis, {
      throttleFirstCalls: 1,
      failEntry: (entry) => {
        if (entryFailed || Buffer.from(entry.Data ?? []).toString() !== 'r-3') return false;
        entryFailed = true;
        return true;
      },
    });
    const { sink, lines } = emfLines();
    const producer = createProducer({
      kinesis,
      streamName,
      metricMeter: sink.meter(),
      retry: { initialDelay: '10ms', maxDelay: '50ms' },
    });
    // Act
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => producer.put({ partitionKey: `k-${i}`, data: `r-${i}` })),
    );
    await producer.close();
    sink.flush();
    // Assess
    const stats = producer.stats();
    expect(stats).toMatchObject({ userRecordsPut: 10, retries: 11, throttles: 2 });
    expect(lines).toHaveLength(1);
    const doc = lines[0] as Record<string, unknown>;
    expect(doc).toMatchObject({
      stream: streamName,
      ksp_producer_records_put: 10,
      ksp_producer_retries: 11,
      ksp_producer_throttles: 2,
      ksp_producer_buffered_records: 0,
    });
    const latency = doc['ksp_producer_put_latency'] as { Values: number[]; Counts: number[] };
    expect(latency.Counts.reduce((a, b) => a + b, 0)).toBe(10);
    // Every record waited at least for the throttled first call's retry.
    expect(Math.min(...latency.Values)).toBeGreaterThan(0);
    expect(Math.max(...latency.Values)).toBeLessThan(stats.latencyMs.max / 1000 + 0.001);
  });

  it('refuses a metricMeter that is not one, naming the field', () => {
    const options = { kinesis, streamName: 'orders', metricMeter: {} } as unknown as ProducerOptions;
    expect(() => createProducer(options)).toThrow(ConfigError);
    expect(() => createProducer(options)).toThrow(/metricMeter.*MetricMeter from @temporalio\/common/);
  });
});
